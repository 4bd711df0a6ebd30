"""A configuration table written back as TOML (the standard library reads TOML but does not write it).

Only what docflow's configuration holds: strings, numbers, booleans, lists of those, and nested tables.
"""

from __future__ import annotations

import json
import re
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string (the same escapes).
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def toml_text(table: dict[str, Any], prefix: str = "") -> str:
    """``table`` as TOML text: its plain keys first, then each sub-table under its dotted header."""
    lines = [f"{_key(k)} = {_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    out = "\n".join(lines) + ("\n" if lines else "")
    for name, sub in table.items():
        if isinstance(sub, dict):
            header = f"{prefix}.{_key(name)}" if prefix else _key(name)
            out += f"\n[{header}]\n" + toml_text(sub, header)
    return out
