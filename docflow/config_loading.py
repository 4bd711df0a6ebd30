"""TOML tables to typed settings: every value checked against its dataclass field's type, every unknown or
removed key refused with its dotted name. No type is guessed: a string is never read as a number."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from docflow.errors import ConfigurationError

# Keys that once existed: an old file stops startup with what to write instead, never with a bare "unknown".
REMOVED = {
    "security.login_max_failures": "sign-in no longer locks an account; remove it and, if needed, set "
                                   "security.login_free_failures (failures before the waits begin)",
    "security.login_lockout_minutes": "sign-in no longer locks an account; remove it and, if needed, set "
                                      "security.login_first_delay_seconds and security.login_max_delay_minutes",
}


def deep_merge(a: dict[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """``a`` with ``b`` merged in, tables key by key (the tests' overrides over the file)."""
    out = dict(a)
    for key, value in b.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def build_section(section: str, cls: type, table: Mapping[str, Any], base: Path) -> Any:
    """The dataclass ``cls`` from the TOML table ``section``; relative paths are taken from ``base``."""
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{section}.{key}"
        if name in REMOVED:
            raise ConfigurationError(f"{name} was removed: {REMOVED[name]}")
        if key not in hints:
            raise ConfigurationError(f"unknown key {name}")
        kwargs[key] = coerce(name, hints[key], value, base)
    return cls(**kwargs)


def coerce(name: str, hint: Any, value: Any, base: Path) -> Any:
    """``value`` as the type ``hint`` says, or ConfigurationError naming the key."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _optional(name, hint, value, base)
    if origin is Literal:
        return _literal(name, hint, value)
    if origin is tuple:
        return _sequence(name, hint, value, base)
    if origin is dict:
        return _table(name, hint, value, base)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _nested(name, hint, value, base)
    if hint is Path:
        return _path(name, value, base)
    scalar = _SCALARS.get(hint)
    if scalar is None:
        raise ConfigurationError(f"{name}: unsupported setting type")  # pragma: no cover
    return scalar(name, value)


def _optional(name: str, hint: Any, value: Any, base: Path) -> Any:
    options = [a for a in typing.get_args(hint) if a is not type(None)]
    if value is None or (value == "" and options[0] is Path):
        return None  # an optional path left empty means "not set"
    return coerce(name, options[0], value, base)


def _literal(name: str, hint: Any, value: Any) -> Any:
    allowed = typing.get_args(hint)
    if value not in allowed:
        raise ConfigurationError(f"{name} must be one of {', '.join(map(repr, allowed))}, not {value!r}")
    return value


def _sequence(name: str, hint: Any, value: Any, base: Path) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise ConfigurationError(f"{name} must be a list, not {type(value).__name__}")
    item = typing.get_args(hint)[0]
    return tuple(coerce(f"{name}[{i}]", item, v, base) for i, v in enumerate(value))


def _table(name: str, hint: Any, value: Any, base: Path) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{name} must be a table")
    item = typing.get_args(hint)[1]
    return {str(k): coerce(f"{name}.{k}", item, v, base) for k, v in value.items()}


def _nested(name: str, hint: type, value: Any, base: Path) -> Any:
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{name} must be a table")
    missing = [f.name for f in dataclasses.fields(hint)
               if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
               and f.name not in value]
    if missing:
        raise ConfigurationError(f"{name}.{missing[0]} is required")
    return build_section(name, hint, value, base)


def _path(name: str, value: Any, base: Path) -> Path:
    if not isinstance(value, (str, Path)):
        raise ConfigurationError(f"{name} must be a path (string), not {type(value).__name__}")
    p = Path(value)
    return p if p.is_absolute() else base / p


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{name} must be true or false, not {value!r}")
    return value


def _int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(f"{name} must be an integer, not {value!r}")
    if value < 0:
        raise ConfigurationError(f"{name} must not be negative")
    return value


def _str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigurationError(f"{name} must be a string, not {type(value).__name__}")
    return value


_SCALARS: dict[Any, Callable[[str, Any], Any]] = {bool: _bool, int: _int, str: _str}
