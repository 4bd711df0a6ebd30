"""One transaction per user action, and the work that waits for it to be decided.

``transaction(session)`` is the one commit point. Services queue on the session what must wait for the
outcome: ``after_commit`` callbacks (e-mail, removing an imported key file) run only once the commit
succeeded; ``outlive_rollback`` records (a wrong PIN's count and audit event) are written whatever happens,
in the action's transaction if it commits, else in a short one of their own right after the rollback.
The queues live in ``session.info``, so they belong to the session and need no framework.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

# The connection option that makes SQLite begin a writing transaction IMMEDIATE (docflow.db's listener).
WRITE_OPTION = "docflow_write"
AFTER_COMMIT = "after_commit"
OUTLIVE_ROLLBACK = "outlive_rollback"
log = logging.getLogger(__name__)


class Callback(Protocol):
    def __call__(self) -> None: ...


Collector = TypeVar("Collector", bound=Callback)


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit what the block did, or nothing; then run after-commit callbacks."""
    begin_write(session)
    try:
        yield session
        for durable in session.info.get(OUTLIVE_ROLLBACK, []):
            durable(session)
        session.commit()
    except BaseException:
        session.rollback()
        session.info.pop(AFTER_COMMIT, None)
        _record_after_rollback(session)
        raise
    session.info.pop(OUTLIVE_ROLLBACK, None)
    _run_after_commit(session)


def begin_write(session: Session) -> None:
    """Start the session's writing transaction. A read transaction the request already opened (loading
    the signed-in user) is ended first, so the write begins with the write lock on SQLite."""
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("unflushed changes outside db.transaction()")
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's transaction has committed; never if it rolls back."""
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


def collector(session: Session, kind: type[Collector]) -> Collector:
    """The one after-commit callback of type ``kind`` in this transaction, made and queued on first use:
    a transaction's e-mails, say, go out together. Kept in the after-commit queue itself, so a rollback
    (which drops that queue) drops what it collected too."""
    for callback in session.info.get(AFTER_COMMIT, []):
        if isinstance(callback, kind):
            return callback
    made = kind()
    after_commit(session, made)
    return made


def outlive_rollback(session: Session, record: Callable[[Session], None]) -> None:
    """Write ``record`` whatever becomes of the action: in its transaction if that commits, else in a short
    transaction of its own right after the rollback (a wrong PIN raises, yet its count and audit event stay)."""
    session.info.setdefault(OUTLIVE_ROLLBACK, []).append(record)


def _record_after_rollback(session: Session) -> None:
    records = session.info.pop(OUTLIVE_ROLLBACK, [])
    if not records:
        return
    try:
        begin_write(session)
        for record in records:
            record(session)
        session.commit()
    except Exception:
        session.rollback()
        session.info.pop(AFTER_COMMIT, None)
        log.exception("a record that must outlive the rollback could not be written")
        return
    _run_after_commit(session)


def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(AFTER_COMMIT, []):
        callback()
