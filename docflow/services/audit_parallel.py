"""Verify a long stored chain in several processes.

Every check the chain verifier makes is local to a row and its predecessor (the seq follows, the row's
prev_hash is the predecessor's hash, the row's hash is recomputed from prev_hash and its content), so the
range can be cut into contiguous chunks that worker processes verify at the same time; the parent then
checks the seams (each chunk starts where the previous one ended), the head and every checkpoint. That is
the same set of checks as one sequential pass. Anything unexpected returns None, and the caller runs the
sequential pass, which names the position and the proving checkpoint.

Fetching a row through the driver costs about as much as hashing it twice (about 2 µs on SQLite, 3 µs on
PostgreSQL), so a single process cannot come within 3x of a bare hashlib loop over a million rows; two
processes can. Workers are forked from a single-threaded process (the CLI: no start-up cost) and spawned
from a threaded one (the web server, whose other threads may hold locks a fork would copy); a spawned worker
imports only the driver and ``docflow.auditlog``.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from docflow.auditlog.chain import ChainReport, ChainVerifier, CheckpointSummary
from docflow.auditlog.checkpoints import Checkpoint, Trust

# Below this many rows one process is quicker than starting workers.
PARALLEL_MIN_ROWS = 200_000
MAX_WORKERS = 4
BATCH = 20_000


def row_select_sql(dialect: str) -> str:
    """SELECT of events in [start, end] as ``auditlog.chain.FullRow`` tuples: the time already in the
    hashed form and the details as their stored text, so no row is decoded or re-encoded in Python."""
    if dialect == "postgresql":
        return ("SELECT seq, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), actor_id, "
                "actor_name, action, object_type, object_id, details::text, prev_hash, hash FROM audit_events "
                "WHERE seq >= %s AND seq <= %s ORDER BY seq")
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC, see UTCDateTime).
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


def verify_chunk(dialect: str, dsn: str, start: int, end: int, want: Sequence[int]) -> ChunkResult:
    """Worker: verify events start..end on a connection of its own (read-only)."""
    if dialect == "postgresql":
        import psycopg
        connection: Any = psycopg.connect(dsn)
        cursor = connection.cursor(name="docflow_audit_chunk")
    else:
        import sqlite3
        connection = sqlite3.connect(f"file:{dsn}?mode=ro", uri=True)
        cursor = connection.cursor()
    hashes: dict[int, str] = {}
    verifier = ChainVerifier(start_prev_hash=None, first_seq=start)
    first_prev: str | None = None
    try:
        cursor.execute(row_select_sql(dialect), (start, end))
        while (rows := cursor.fetchmany(BATCH)) and not verifier.done:
            if first_prev is None:
                first_prev = rows[0][8]
            verifier.feed(rows)
            first = rows[0][0]
            for seq in [s for s in want if first <= s < first + len(rows)]:
                if rows[seq - first][0] == seq:
                    hashes[seq] = rows[seq - first][9]
    finally:
        cursor.close()
        connection.close()
    report = verifier.finish()
    return ChunkResult(start, end, report.checked, report.intact, first_prev, verifier.prev_seq,
                       verifier.prev_hash, hashes)


def verify_parallel(*, dialect: str, dsn: str, start: int, end: int, anchor: str | None,
                    head: tuple[int, str] | None, checkpoints: Sequence[Checkpoint], trust: Trust | None,
                    workers: int) -> ChainReport | None:
    """The report for an intact range verified by ``workers`` processes, or None when anything is off (the
    caller then verifies sequentially to say where)."""
    size = -(-(end - start + 1) // max(2, workers))
    bounds = [(s, min(s + size - 1, end)) for s in range(start, end + 1, size)]
    cp_seqs = [cp.seq for cp in checkpoints]
    method = "fork" if threading.active_count() == 1 and sys.platform == "linux" else "spawn"
    with ProcessPoolExecutor(max_workers=len(bounds) - 1, mp_context=get_context(method)) as pool:
        futures = [pool.submit(verify_chunk, dialect, dsn, lo, hi, [s for s in cp_seqs if lo <= s <= hi])
                   for lo, hi in bounds[:-1]]
        # Meanwhile this process checks the checkpoint signatures and verifies the last chunk itself.
        checks = [trust.check(cp) for cp in checkpoints] if trust is not None else []
        lo, hi = bounds[-1]
        own = verify_chunk(dialect, dsn, lo, hi, [s for s in cp_seqs if lo <= s <= hi])
        chunks = [*(future.result() for future in futures), own]
    expected_prev, expected_seq, hashes = anchor, start, {}
    for chunk in chunks:
        if (not chunk.intact or chunk.checked != chunk.end - chunk.start + 1
                or (expected_prev is not None and chunk.first_prev_hash != expected_prev)):
            return None
        expected_prev, expected_seq = chunk.last_hash, chunk.end + 1
        hashes.update(chunk.hashes)
    if head is not None and (head[0] != expected_seq - 1 or head[1] != expected_prev):
        return None
    last: CheckpointSummary | None = None
    for cp, check in zip(checkpoints, checks, strict=True):
        if not check.valid or hashes.get(cp.seq) != cp.hash:
            return None
        last = CheckpointSummary(cp.seq, cp.hash, cp.created_at, check.signer, check.timestamped_at)
    notes = ("checkpoints were not checked (no trust roots)",) if trust is None else ()
    return ChainReport(end - start + 1, start, end, None, None, len(checks), last, notes)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))
