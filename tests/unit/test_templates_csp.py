"""The pages' Content-Security-Policy (default-src 'self', web/__init__.py) runs no inline script: an inline
event handler or a javascript: link in a template does nothing in the browser (the verification report's
Print button did nothing). Behaviour comes from static scripts (print.js's data-print, docflow.js)."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE_HANDLER = re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)


def test_no_template_relies_on_inline_script() -> None:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(TEMPLATES)}: {m.group(0)[:80]}"
                  for pattern in (INLINE_HANDLER, INLINE_SCRIPT) for m in pattern.finditer(text)]
        found += [f"{path.relative_to(TEMPLATES)}: javascript: URL" for _ in re.finditer(r"javascript:", text)]
    assert found == []


def test_the_check_finds_an_inline_handler() -> None:
    assert INLINE_HANDLER.search('<button type="button" onclick="window.print()">')
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/print.js" defer></script>')
