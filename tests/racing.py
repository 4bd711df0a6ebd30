"""Transactions started together, for the concurrency tests (real ones need PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from docflow.errors import ConflictError, InvalidTransitionError


def race(engine: Engine, actions: Sequence[Callable[[Session], Any]], *, timeout: float | None = None) -> list[Any]:
    """Run each action in its own session and transaction, released together by a barrier once every
    transaction has begun. Returns what each action returned, or the exception it raised (or its commit
    raised), in the order they finished."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[Any] = []

    def run(action: Callable[[Session], Any]) -> None:
        with Session(engine) as s:
            try:
                with s.begin():
                    barrier.wait()
                    result = action(s)
            except Exception as exc:  # noqa: BLE001 - the test judges every outcome
                result = exc
        outcomes.append(result)

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return outcomes


def label(outcome: Any) -> str:
    """"ok", "conflict", "refused: <message>" or "error: <exception>", for assertions on a race."""
    if isinstance(outcome, ConflictError):
        return "conflict"
    if isinstance(outcome, InvalidTransitionError):
        return f"refused: {outcome}"
    if isinstance(outcome, Exception):
        return f"error: {outcome!r}"
    return "ok"
