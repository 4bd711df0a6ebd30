"""Engine and sessionmaker per app, the request session on ``g``, and the one-commit-per-action boundary."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from docflow.auditlog.chain import canonical_json


WRITE_OPTION = "docflow_write"
_DURABLE = "outlive_rollback"
log = logging.getLogger(__name__)


def _json_serializer(value: Any) -> str:
    """JSON columns are stored as canonical text (sorted keys, compact, UTF-8): the audit chain hashes an
    event's details exactly as stored, so verification never re-encodes them. Keys that cannot be sorted
    (mixed types, never in the audit log) keep their order."""
    try:
        return canonical_json(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def make_engine(url: str, *, echo: bool = False, lock_timeout_seconds: int = 30) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL, a busy timeout and working SAVEPOINTs. A request
    waits ``lock_timeout_seconds`` for a lock, then fails with an error the web answers as 503."""
    if url.startswith("sqlite"):
        _create_private_database_file(url)
        engine = create_engine(url, echo=echo, connect_args={"timeout": lock_timeout_seconds},
                               json_serializer=_json_serializer)
        _configure_sqlite(engine, lock_timeout_seconds)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, json_serializer=_json_serializer,
                         connect_args={"options": f"-c lock_timeout={lock_timeout_seconds * 1000}"})


def _create_private_database_file(url: str) -> None:
    """Create the SQLite file owner-only before the driver does (it would follow the umask); its -wal and
    -shm companions take the database file's mode."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from docflow.private_files import touch_private
    database = make_url(url).database
    if database not in (None, "", ":memory:") and not database.startswith("file:"):
        touch_private(Path(database))


def _configure_sqlite(engine: Engine, lock_timeout_seconds: int) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's SQLite dialect docs
    # ("Serializable isolation / Savepoints / Transactional DDL") prescribe taking it over like this.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={lock_timeout_seconds * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writing transaction takes the write lock up front (IMMEDIATE), so two writers queue on
        # busy_timeout instead of one failing when it upgrades a read lock; reads stay DEFERRED and
        # never block anyone (WAL).
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# SQLite's SQLITE_BUSY and SQLITE_LOCKED (primary codes; extended codes keep them in the low byte).
_SQLITE_BUSY_CODES = frozenset({5, 6})
# PostgreSQL: lock_not_available (lock_timeout), serialization_failure, deadlock_detected, query_canceled
# (statement_timeout).
_POSTGRES_BUSY_STATES = frozenset({"55P03", "40001", "40P01", "57014"})


def is_busy(exc: OperationalError) -> bool:
    """Whether the database refused for contention (a lock it waited for too long, a serialization or
    deadlock abort), which a retry a few seconds later can cure, rather than for any other reason."""
    original = exc.orig
    if isinstance(original, sqlite3.OperationalError):
        code = getattr(original, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in _SQLITE_BUSY_CODES
        return str(original).startswith(("database is locked", "database table is locked"))
    return getattr(original, "sqlstate", None) in _POSTGRES_BUSY_STATES


def init_app(app: Flask, url: str, *, echo: bool = False, lock_timeout_seconds: int = 30) -> None:
    engine = make_engine(url, echo=echo, lock_timeout_seconds=lock_timeout_seconds)
    app.extensions["docflow.engine"] = engine
    app.extensions["docflow.sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["docflow.sessionmaker"]()
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def transaction() -> Iterator[Session]:
    """Commit what the block did, or nothing; then run after-commit callbacks."""
    session = get_session()
    begin_write(session)
    try:
        yield session
        for durable in session.info.get(_DURABLE, []):
            durable(session)
        session.commit()
    except BaseException:
        session.rollback()
        session.info.pop("after_commit", None)
        _record_after_rollback(session)
        raise
    session.info.pop(_DURABLE, None)
    for callback in session.info.pop("after_commit", []):
        callback()


def outlive_rollback(session: Session, record: Callable[[Session], None]) -> None:
    """Write ``record`` whatever becomes of the action: in its transaction if that commits, else in a short
    transaction of its own right after the rollback (a wrong PIN raises, yet its count and audit event stay)."""
    session.info.setdefault(_DURABLE, []).append(record)


def _record_after_rollback(session: Session) -> None:
    records = session.info.pop(_DURABLE, [])
    if not records:
        return
    try:
        begin_write(session)
        for record in records:
            record(session)
        session.commit()
    except Exception:
        session.rollback()
        session.info.pop("after_commit", None)
        log.exception("a record that must outlive the rollback could not be written")
        return
    for callback in session.info.pop("after_commit", []):
        callback()


def begin_write(session: Session) -> None:
    """Start the session's writing transaction. A read transaction the request already opened (loading
    the signed-in user) is ended first, so the write begins with the write lock on SQLite."""
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("unflushed changes outside db.transaction()")
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    session.info.setdefault("after_commit", []).append(callback)
