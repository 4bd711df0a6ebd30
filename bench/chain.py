"""``verify_chain`` over the whole audit log vs. the bare work: Core fetch, canonical JSON, hashlib loop."""

from __future__ import annotations

import gc
import hashlib
import time
import tracemalloc
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import Engine, select

from docflow import db
from docflow.models import AuditEvent
from docflow.services.audit import GENESIS_HASH, ChainReport, event_content, verify_chain

COLUMNS = (AuditEvent.seq, AuditEvent.occurred_at, AuditEvent.actor_id, AuditEvent.actor_name, AuditEvent.action,
           AuditEvent.object_type, AuditEvent.object_id, AuditEvent.details, AuditEvent.prev_hash, AuditEvent.hash)


@dataclass(frozen=True)
class ChainResult:
    events: int
    intact: bool
    problem: str
    verify_s: float          # docflow.services.audit.verify_chain, wall time
    verify_peak_mb: float    # tracemalloc peak during a second verify_chain run
    fetch_s: float           # bare: one Core SELECT of every row, fetched
    encode_s: float          # bare: canonical JSON bytes of every fetched row
    hash_s: float            # bare: hashlib.sha256 over prev hash + canonical bytes, plain loop
    bare_intact: bool

    @property
    def bare_total_s(self) -> float:
        return self.fetch_s + self.encode_s + self.hash_s

    @property
    def ratio_vs_hash(self) -> float:
        return self.verify_s / self.hash_s if self.hash_s else float("nan")

    @property
    def ratio_vs_bare(self) -> float:
        return self.verify_s / self.bare_total_s if self.bare_total_s else float("nan")

    @property
    def events_per_s(self) -> float:
        return self.events / self.verify_s if self.verify_s else float("nan")


def _verify(app: Flask) -> ChainReport:
    with app.app_context():
        return verify_chain(db.get_session())


def measure(app: Flask, engine: Engine) -> ChainResult:
    """Time verify_chain, then measure its peak Python memory, then the bare loop over the same rows."""
    gc.collect()
    started = time.perf_counter()
    report = _verify(app)
    verify_s = time.perf_counter() - started

    gc.collect()
    tracemalloc.start()
    _verify(app)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    gc.collect()
    started = time.perf_counter()
    with engine.connect() as conn:
        rows = conn.execute(select(*COLUMNS).order_by(AuditEvent.seq)).all()
    fetch_s = time.perf_counter() - started
    started = time.perf_counter()
    contents = [event_content(row) for row in rows]
    encode_s = time.perf_counter() - started
    hashes = [row.hash for row in rows]
    prev_hashes = [row.prev_hash for row in rows]
    del rows
    started = time.perf_counter()
    prev, ok = GENESIS_HASH, True
    sha256 = hashlib.sha256
    for content, stored, stored_prev in zip(contents, hashes, prev_hashes):
        digest = sha256(f"{prev}\n{sha256(content).hexdigest()}".encode()).hexdigest()
        ok = ok and stored_prev == prev and digest == stored
        prev = digest
    hash_s = time.perf_counter() - started
    problem = "" if report.problem is None else f"{report.problem.kind.value} at {report.problem.seq}"
    return ChainResult(report.checked, report.intact, problem, verify_s, peak / 1024 / 1024, fetch_s, encode_s,
                       hash_s, ok)
