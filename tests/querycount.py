"""How many SQL statements a piece of work sends: the bound on a page's queries (no N+1) in the web tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event


def count_queries(app: Any, func: Callable[[], object]) -> int:
    """The statements the app's engine executes while ``func`` runs."""
    engine = app.extensions["docflow.engine"]
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        func()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(statements)
