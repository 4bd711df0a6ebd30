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
imports only the driver and ``docflow.auditlog`` (the worker is ``docflow.auditlog.rows.verify_chunk``).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from sqlalchemy.orm import Session

from docflow.auditlog.chain import ChainReport, CheckpointSummary
from docflow.auditlog.checkpoints import Checkpoint, CheckpointCheck, Trust
from docflow.auditlog.rows import ChunkResult, verify_chunk

# Below this many rows one process is quicker than starting workers.
PARALLEL_MIN_ROWS = 200_000
MAX_WORKERS = 4


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def verify_in_parallel(session: Session, organisation_id: int, start: int, end: int, anchor: str | None,
                       head: tuple[int, str] | None, checkpoints: list[Checkpoint], trust: Trust | None,
                       workers: int | None) -> ChainReport | None:
    """The workers' report on the ward's events start..end, or None when the range is short, there is one worker, the
    database is in memory, or anything is off (the caller then verifies in one pass)."""
    workers = default_workers() if workers is None else workers
    if workers < 2 or end - start + 1 < PARALLEL_MIN_ROWS:
        return None
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        dsn = url.database
    else:
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return verify_parallel(dialect=url.get_backend_name(), dsn=dsn, organisation_id=organisation_id,
                           start=start, end=end, anchor=anchor,
                           head=head, checkpoints=checkpoints, trust=trust, workers=workers)


def verify_parallel(*, dialect: str, dsn: str, organisation_id: int, start: int, end: int, anchor: str | None,
                    head: tuple[int, str] | None, checkpoints: Sequence[Checkpoint], trust: Trust | None,
                    workers: int) -> ChainReport | None:
    """The report for an intact range verified by ``workers`` processes, or None when anything is off (the
    caller then verifies sequentially to say where)."""
    size = -(-(end - start + 1) // max(2, workers))
    bounds = [(s, min(s + size - 1, end)) for s in range(start, end + 1, size)]
    cp_seqs = [cp.seq for cp in checkpoints]
    method = "fork" if threading.active_count() == 1 and sys.platform == "linux" else "spawn"
    with ProcessPoolExecutor(max_workers=len(bounds) - 1, mp_context=get_context(method)) as pool:
        futures = [pool.submit(verify_chunk, dialect, dsn, organisation_id, lo, hi,
                               [s for s in cp_seqs if lo <= s <= hi]) for lo, hi in bounds[:-1]]
        # Meanwhile this process checks the checkpoint signatures and verifies the last chunk itself.
        checks = [trust.check(cp) for cp in checkpoints] if trust is not None else []
        lo, hi = bounds[-1]
        own = verify_chunk(dialect, dsn, organisation_id, lo, hi, [s for s in cp_seqs if lo <= s <= hi])
        chunks = [*(future.result() for future in futures), own]
    return _combine(chunks, start, end, anchor, head, checkpoints, checks, trust)


def _combine(chunks: Sequence[ChunkResult], start: int, end: int, anchor: str | None,
             head: tuple[int, str] | None, checkpoints: Sequence[Checkpoint], checks: Sequence[CheckpointCheck],
             trust: Trust | None) -> ChainReport | None:
    """Check the seams between the chunks, the head and every checkpoint; None when any of them is off."""
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
