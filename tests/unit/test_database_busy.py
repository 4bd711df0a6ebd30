"""Which database errors mean "busy, try again" or "unreachable, try again" (503 with Retry-After) and which stay
errors (500)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg.errors
import pytest
from sqlalchemy.exc import OperationalError

from docflow import db


def _wrapped(original: Exception) -> OperationalError:
    return OperationalError("statement", {}, original)


def _sqlite_locked(tmp_path: Path) -> sqlite3.OperationalError:
    holder = sqlite3.connect(tmp_path / "l.db", isolation_level=None, timeout=0)
    waiter = sqlite3.connect(tmp_path / "l.db", isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as exc:
            waiter.execute("BEGIN IMMEDIATE")
        return exc.value
    finally:
        holder.close()
        waiter.close()


def test_sqlite_database_is_locked_is_busy(tmp_path):
    assert db.is_busy(_wrapped(_sqlite_locked(tmp_path)))


def test_other_sqlite_errors_are_not_busy(tmp_path):
    connection = sqlite3.connect(tmp_path / "o.db")
    with pytest.raises(sqlite3.OperationalError) as exc:
        connection.execute("SELECT * FROM no_such_table")
    connection.close()
    assert not db.is_busy(_wrapped(exc.value))


@pytest.mark.parametrize("error", [psycopg.errors.LockNotAvailable, psycopg.errors.SerializationFailure,
                                   psycopg.errors.DeadlockDetected, psycopg.errors.QueryCanceled])
def test_postgresql_lock_timeouts_and_aborted_transactions_are_busy(error):
    assert db.is_busy(_wrapped(error("x")))


@pytest.mark.parametrize("sqlstate", ["08006", "53300", "57P01", "42P01"])
def test_other_postgresql_errors_are_not_busy(sqlstate):
    # connection failure, too many connections, admin shutdown, undefined table: not cured by a retry in 5 s
    assert not db.is_busy(_wrapped(psycopg.errors.lookup(sqlstate)("x")))


@pytest.mark.parametrize("sqlstate", ["08006", "08001", "57P01", "57P02", "57P03"])
def test_postgresql_connection_failures_and_shutdowns_are_unavailable(sqlstate):
    # connection failure, cannot connect, a server stopped under the query (admin, crash), a server starting or in
    # recovery: a failover or a restart, cured once a primary answers again (README, "High availability")
    assert db.is_unavailable(_wrapped(psycopg.errors.lookup(sqlstate)("x")))


def test_a_failure_to_connect_or_a_lost_connection_is_unavailable():
    # psycopg raises these without a SQLSTATE (no server sent them); SQLAlchemy marks a disconnect it detected
    assert db.is_unavailable(_wrapped(psycopg.OperationalError("connection failed: Connection refused")))
    assert db.is_unavailable(OperationalError("statement", {}, psycopg.errors.lookup("42P01")("x"),
                                              connection_invalidated=True))


@pytest.mark.parametrize("sqlstate", ["55P03", "40001", "53300", "42P01", "22P02"])
def test_other_postgresql_errors_are_not_unavailable(sqlstate):
    assert not db.is_unavailable(_wrapped(psycopg.errors.lookup(sqlstate)("x")))


def test_sqlite_errors_are_never_unavailable(tmp_path):
    assert not db.is_unavailable(_wrapped(_sqlite_locked(tmp_path)))
    assert not db.is_unavailable(_wrapped(sqlite3.OperationalError("unable to open database file")))
