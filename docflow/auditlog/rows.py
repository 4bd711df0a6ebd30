"""The stored chain read through the database driver itself: the SELECT that yields ``chain.FullRow`` tuples,
and the worker that verifies one chunk of it.

The worker runs in a process of its own (``docflow.services.audit.parallel``); a spawned worker imports
this module, the driver and ``docflow.auditlog.chain``, not SQLAlchemy or the models, so it starts in a
fraction of a second. It only reads, on a connection of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from docflow.auditlog.chain import ChainVerifier

BATCH = 20_000


def row_select_sql(dialect: str) -> str:
    """SELECT of one ward's events in [start, end] (parameters: organisation_id, start, end) as
    ``auditlog.chain.FullRow`` tuples: the time already in the hashed form and the details as their stored
    text, so no row is decoded or re-encoded in Python. The ward is given to the hash only for the events
    hashed with it (``hash_format`` 2: written since wards have chains of their own)."""
    if dialect == "postgresql":
        return ("SELECT seq, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), actor_id, "
                "actor_name, action, object_type, object_id, details::text, "
                "CASE WHEN hash_format = 2 THEN organisation_id END, prev_hash, hash FROM audit_events "
                "WHERE organisation_id = %s AND seq >= %s AND seq <= %s ORDER BY seq")
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC, see UTCDateTime).
    return ("SELECT seq, replace(occurred_at, ' ', 'T') || 'Z', actor_id, actor_name, action, object_type, "
            "object_id, details, CASE WHEN hash_format = 2 THEN organisation_id END, prev_hash, hash "
            "FROM audit_events WHERE organisation_id = ? AND seq >= ? AND seq <= ? ORDER BY seq")


def legacy_row_select_sql(dialect: str) -> str:
    """The SELECT of migration 0006 (one chain for the deployment, rows of 10 items; parameters: start, end),
    kept for that migration, which runs before audit_events had a ward."""
    if dialect == "postgresql":
        return ("SELECT seq, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), actor_id, "
                "actor_name, action, object_type, object_id, details::text, prev_hash, hash FROM audit_events "
                "WHERE seq >= %s AND seq <= %s ORDER BY seq")
    return ("SELECT seq, replace(occurred_at, ' ', 'T') || 'Z', actor_id, actor_name, action, object_type, "
            "object_id, details, prev_hash, hash FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq")


@dataclass(frozen=True)
class ChunkResult:
    start: int
    end: int
    checked: int
    intact: bool
    first_prev_hash: str | None
    last_seq: int | None
    last_hash: str | None
    hashes: dict[int, str]   # the verified hash at each requested seq (checkpoints)


def _open(dialect: str, dsn: str) -> tuple[Any, Any]:
    """A read-only connection and its cursor (a server-side one on PostgreSQL)."""
    if dialect == "postgresql":
        import psycopg  # the driver of this dialect only: a SQLite deployment need not have psycopg
        connection: Any = psycopg.connect(dsn)
        return connection, connection.cursor(name="docflow_audit_chunk")
    import sqlite3
    connection = sqlite3.connect(f"file:{dsn}?mode=ro", uri=True)
    return connection, connection.cursor()


def verify_chunk(dialect: str, dsn: str, organisation_id: int, start: int, end: int,
                 want: Sequence[int]) -> ChunkResult:
    """Worker: verify the ward's events start..end on a connection of its own (read-only)."""
    connection, cursor = _open(dialect, dsn)
    hashes: dict[int, str] = {}
    verifier = ChainVerifier(start_prev_hash=None, first_seq=start)
    first_prev: str | None = None
    try:
        cursor.execute(row_select_sql(dialect), (organisation_id, start, end))
        while (rows := cursor.fetchmany(BATCH)) and not verifier.done:
            if first_prev is None:
                first_prev = rows[0][-2]
            verifier.feed(rows)
            first = rows[0][0]
            for seq in [s for s in want if first <= s < first + len(rows)]:
                if rows[seq - first][0] == seq:
                    hashes[seq] = rows[seq - first][-1]
    finally:
        cursor.close()
        connection.close()
    report = verifier.finish()
    return ChunkResult(start, end, report.checked, report.intact, first_prev, verifier.prev_seq,
                       verifier.prev_hash, hashes)
