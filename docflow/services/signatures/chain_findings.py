"""What the chain check finds: messages (English msgids with parameters), the steps of a document's chain
each with its problems, and the whole check; ``render`` translates a message for Vietnamese offline."""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


@dataclass(frozen=True)
class Finding:
    """One message of a step: an English msgid and its parameters."""
    message: str
    params: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, message: str, **params: object) -> Finding:
        return cls(message, {k: str(v) for k, v in params.items()})

    def text(self, lang: str = "en") -> str:
        return render(self.message, self.params, lang)


@dataclass(frozen=True)
class ChainStep:
    kind: str                        # version | initial | personal | organisation | external | number
    title: Finding
    at: datetime | None
    who: str
    problems: tuple[Finding, ...] = ()
    notes: tuple[Finding, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": {"en": self.title.text("en"), "vi": self.title.text("vi")},
                "at": self.at.isoformat() if self.at else None, "who": self.who,
                "verdict": "ok" if self.ok else "problem",
                "problems": [{"en": p.text("en"), "vi": p.text("vi")} for p in self.problems],
                "notes": [{"en": n.text("en"), "vi": n.text("vi")} for n in self.notes]}


@dataclass(frozen=True)
class ChainCheck:
    document_id: int
    number_symbol: str | None
    steps: tuple[ChainStep, ...]
    pdf_report: Mapping[str, Any] | None

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    @property
    def problem_count(self) -> int:
        return sum(len(step.problems) for step in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {"document_id": self.document_id, "number_symbol": self.number_symbol,
                "verdict": "ok" if self.ok else "problem", "steps": [s.to_json() for s in self.steps],
                "pdf_report": dict(self.pdf_report) if self.pdf_report is not None else None}


def render(message: str, params: Mapping[str, str], lang: str = "en") -> str:
    """A msgid in ``lang`` from docflow's compiled catalogues (no Flask needed). Raises nothing."""
    # pyHanko takes seconds to import: only a check shown in Vietnamese pays for it, not the CLI's start.
    from docflow.signing.verify import message_vi
    text = message
    if lang == "vi":
        text = _catalogue().gettext(message)
        if text == message:
            text = message_vi.get(message, message)
    try:
        return text % dict(params) if params else text
    except (KeyError, ValueError, TypeError):
        return text


_CATALOGUE: Any = None


def _catalogue() -> Any:
    global _CATALOGUE  # noqa: PLW0603 - read once per process, like Flask-Babel's own cache
    if _CATALOGUE is None:
        _CATALOGUE = gettext.translation("messages", str(TRANSLATIONS), languages=["vi"], fallback=True)
    return _CATALOGUE
