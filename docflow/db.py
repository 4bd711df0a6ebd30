"""The engine and its sessions, and ``transaction()``: the one commit point of the work in hand.

The session comes from the application context (``docflow.appctx``), whoever bound it: a request, a command
or a test. The after-commit and outlive-the-rollback queues are in ``docflow.unit_of_work``; their names are
re-exported here for the callers that know them as ``db.after_commit`` and ``db.outlive_rollback``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from docflow import appctx, rowsecurity, unit_of_work, wards
from docflow.auditlog.chain import canonical_json
from docflow.private_files import touch_private
from docflow.unit_of_work import WRITE_OPTION, after_commit, begin_write, outlive_rollback

__all__ = ["WRITE_OPTION", "after_commit", "begin_write", "get_session", "is_busy", "is_unavailable", "make_engine",
           "make_sessionmaker", "outlive_rollback", "transaction"]


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
    engine = create_engine(url, echo=echo, pool_pre_ping=True, json_serializer=_json_serializer,
                           connect_args={"options": f"-c lock_timeout={lock_timeout_seconds * 1000}"})
    if engine.dialect.name == "postgresql":
        _tell_postgres_the_ward(engine)
    return engine


def _create_private_database_file(url: str) -> None:
    """Create the SQLite file owner-only before the driver does (it would follow the umask); its -wal and
    -shm companions take the database file's mode."""
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


# Where the connection keeps the docflow.ward_id its transaction was last told (docflow.rowsecurity).
_TOLD = "docflow.ward_scope"
_TRANSACTION_CONTROL = ("SAVEPOINT ", "ROLLBACK", "RELEASE SAVEPOINT ", "COMMIT", "BEGIN")


def _tell_postgres_the_ward(engine: Engine) -> None:
    """Before each statement, make sure PostgreSQL's row-level security acts for the ward the work in hand acts
    for (``wards.database_scope()``): ``set_config('docflow.ward_id', …, true)``, transaction-local, so a pooled
    connection never carries a ward into someone else's transaction. It is checked per statement rather than
    once per transaction because a request binds its ward after its first query (the signed-in user's), and
    told again only when the ward changed or the transaction ended (a rollback to a savepoint undoes it too)."""

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
        scope = wards.database_scope()
        if conn.info.get(_TOLD) == scope or statement.startswith(_TRANSACTION_CONTROL):
            # A savepoint's statements read no row; and a ROLLBACK TO SAVEPOINT may be all that an aborted
            # transaction still accepts.
            return
        dbapi_connection = conn.connection.dbapi_connection
        # Its own cursor, not the statement's (which may be a server-side one), and no event: a query counter
        # sees the application's statements only.
        with dbapi_connection.cursor() as cursor:
            # Outside a transaction (autocommit) a local setting would end with this very call: set it for the
            # session then; the next transaction's local setting overrides it.
            cursor.execute("SELECT set_config(%s, %s, %s)",
                           (rowsecurity.SETTING, scope, not dbapi_connection.autocommit))
        conn.info[_TOLD] = scope

    def _forget(conn: Any, *_args: Any) -> None:
        # A connection the database dropped (a failover) is asked nothing, not even its info (that raises inside
        # the rollback, a 500 instead of the 503): the pool clears the record when it hands out the next one.
        if conn.invalidated:
            return
        conn.info.pop(_TOLD, None)

    for name in ("commit", "rollback", "rollback_savepoint"):
        event.listen(engine, name, _forget)

    @event.listens_for(engine, "checkout")
    def _checked_out(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # The pool ends a returned connection's transaction by itself (reset on return), without the events above.
        record.info.pop(_TOLD, None)


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


# PostgreSQL: admin_shutdown, crash_shutdown (a server stopped under the work in hand), cannot_connect_now (a
# server starting, stopping or still recovering); and class 08, connection_exception.
_POSTGRES_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03"})


def is_unavailable(exc: OperationalError) -> bool:
    """Whether no database server could be reached, or the one in use went away under the work in hand (stopped,
    failed over to its standby, cut off), which a retry once a primary answers again can cure. SQLAlchemy has
    then dropped the connection, and every older one of the pool (a disconnect invalidates the pool); the next
    checkout connects afresh, to whichever server of the URL's hosts accepts writes (README, "High
    availability")."""
    if exc.connection_invalidated:
        return True
    original = exc.orig
    if isinstance(original, sqlite3.Error):
        return False
    state = getattr(original, "sqlstate", None)
    # psycopg raises a failure to connect or a connection lost mid-query ("connection failed", "server closed
    # the connection unexpectedly") without a SQLSTATE: only an error a server sends carries one.
    return state is None or state.startswith("08") or state in _POSTGRES_UNAVAILABLE_STATES


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions keep their objects readable after commit: a view renders what its action just saved."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_session() -> Session:
    """The session of the work in hand: the request's, the command's, or the bound test's (docflow.appctx)."""
    return appctx.session()


@contextmanager
def transaction() -> Iterator[Session]:
    """Commit what the block did, or nothing; then run after-commit callbacks (docflow.unit_of_work)."""
    with unit_of_work.transaction(get_session()) as session:
        yield session
