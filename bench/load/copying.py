"""COPY rows into a docflow table through psycopg, with the model's Python-side defaults filled in.

COPY knows only the database's defaults; docflow's models set many in Python (``default=utc_now``, ``False``),
so every column the row leaves out takes its model default here, as SQLAlchemy's ``insert()`` would.
Enums go in by value (docflow stores StrEnums as their lowercase value), JSON as docflow's canonical text.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from sqlalchemy import JSON, Engine, Table, text

from docflow.auditlog.chain import canonical_json


def _default(column: Any) -> tuple[bool, Any]:
    default = column.default
    if default is None or column.server_default is not None:
        return False, None
    if default.is_scalar:
        return True, default.arg
    if default.is_callable:
        return True, default.arg(None)
    return False, None


def _plain(value: Any, is_json: bool) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if is_json and value is not None:
        return canonical_json(value)
    return value


def copy_rows(engine: Engine, table: Table, rows: Iterable[dict[str, Any]], *, columns: list[str]) -> int:
    """COPY ``rows`` (dicts keyed by ``columns``) into ``table``; returns how many. Columns of the table not in
    ``columns`` that have a Python default get it; the rest are left to the database."""
    extra: dict[str, Any] = {}
    for column in table.columns:
        if column.name not in columns:
            has, value = _default(column)
            if has:
                extra[column.name] = value
    names = list(columns) + list(extra)
    json_cols = {c.name for c in table.columns if isinstance(c.type, JSON)}
    flags = [n in json_cols for n in names]
    tail = [_plain(extra[n], n in json_cols) for n in extra]
    count = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        quoted = ", ".join(f'"{n}"' for n in names)
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([_plain(row[n], f) for n, f in zip(columns, flags)] + tail)
                count += 1
        raw.commit()
    finally:
        raw.close()
    return count


def reset_sequence(engine: Engine, table: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                          f"(SELECT coalesce(max(id), 1) FROM {table}))"))
