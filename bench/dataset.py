"""Build the benchmark app on a fresh database and bulk-insert documents, versions and grants.

The demo ward is seeded through docflow's own service (``seed_demo``); the bulk rows go in with
SQLAlchemy Core ``insert()`` executemany batches. Documents are spread over three years and every
document's ``created_at`` equals the time of its ``document.uploaded`` audit event (bench/events.py).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import Engine, insert, select, text

from bench import vocab
from bench.databases import BenchDatabase
from docflow import db, textsearch
from docflow.models import (
    Confidentiality, Department, Document, DocumentGrant, DocumentKind, DocumentVersion, GrantReason, User,
)
from docflow.services.demo import seed_demo
from tests.conftest import make_test_app, pdf_bytes

BATCH = 10_000
SPAN = timedelta(days=3 * 365)


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int
    pages: int


@dataclass(frozen=True)
class DocInfo:
    """What the audit generator needs to write a document's ``document.uploaded`` event."""

    id: int
    created_by_id: int
    created_by: str
    kind: str
    doc_type: str
    confidentiality: str
    blob: Blob
    filename: str


@dataclass
class Timeline:
    """Event i of n happens at start + span·(i+1)/(n+1); document k is uploaded at event k·n//docs."""

    start: datetime
    end: datetime
    events: int
    documents: int

    def event_time(self, i: int) -> datetime:
        return self.start + (self.end - self.start) * ((i + 1) / (self.events + 1))

    def upload_index(self, k: int) -> int:
        return k * self.events // self.documents


@dataclass
class Dataset:
    app: Flask
    engine: Engine
    org_id: int
    users: dict[str, tuple[int, int | None]]  # username -> (id, department_id)
    departments: dict[str, int]  # code -> id
    blobs: list[Blob]
    docs: list[DocInfo]
    timeline: Timeline
    timings: dict[str, float] = field(default_factory=dict)


def build_app(database: BenchDatabase) -> Flask:
    """docflow against the fresh database, migrated, with CSRF off (the bench signs in by POST)."""
    return make_test_app(database.url, database.data_dir, security={"csrf_enabled": False})


def seed(app: Flask, documents: int, events: int) -> Dataset:
    """Seed the demo ward three years back, store a few real PDFs and insert ``documents`` rows."""
    end = datetime.now(UTC).replace(microsecond=0)
    timeline = Timeline(start=end - SPAN, end=end, events=max(events, documents), documents=documents)
    engine: Engine = app.extensions["docflow.engine"]
    started = time.perf_counter()
    with app.app_context():
        with db.transaction() as s:
            seed_demo(s, organisation_name=app.extensions["docflow.settings"].app.organisation_name,
                      now=timeline.start - timedelta(days=1))
        store = app.extensions["docflow.store"]
        blobs = []
        for n in range(8):
            pdf = pdf_bytes(f"docflow bench blob {n}", pages=1 + n % 4)
            blobs.append(Blob(store.put_bytes(pdf), len(pdf), 1 + n % 4))
    with engine.connect() as conn:
        users = {u.username: (u.id, u.department_id)
                 for u in conn.execute(select(User.username, User.id, User.department_id))}
        departments = dict(conn.execute(select(Department.code, Department.id)).tuples().all())
        org_id = conn.execute(text("SELECT id FROM organisations")).scalar_one()
    data = Dataset(app, engine, org_id, users, departments, blobs, [], timeline)
    data.timings["seed demo ward + blobs"] = time.perf_counter() - started
    started = time.perf_counter()
    _insert_documents(data, random.Random(20260101))
    data.timings[f"{documents:,} documents + versions + grants"] = time.perf_counter() - started
    return data


def _weighted(rng: random.Random, table: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def _document_rows(data: Dataset, rng: random.Random) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(document row, version row) for every document, ids 1..n."""
    tl = data.timeline
    for k in range(tl.documents):
        doc_id = k + 1
        created = tl.event_time(tl.upload_index(k))
        kind = _weighted(rng, vocab.KINDS)
        dept_code = _weighted(rng, vocab.DEPARTMENT_WEIGHTS)
        doc_type = _weighted(rng, vocab.DOC_TYPES[kind])
        creator = "vanthu" if kind is DocumentKind.INCOMING else vocab.OFFICIAL_OF[dept_code]
        doc_date: date = created.date() - timedelta(days=rng.randint(0, 12) if kind is DocumentKind.INCOMING else 0)
        body = rng.choice(vocab.EXTERNAL_BODIES) if kind is DocumentKind.INCOMING else vocab.OWN_BODY
        conf = _weighted(rng, vocab.CONFIDENTIALITY)
        blob = data.blobs[k % len(data.blobs)]
        filename = f"{doc_type}-{doc_id}.pdf"
        creator_id = data.users[creator][0]
        number = vocab.number_symbol(rng, kind, doc_type, dept_code, body[1])
        summary = vocab.summary(rng)
        doc = {
            "id": doc_id, "organisation_id": data.org_id, "department_id": data.departments[dept_code],
            "kind": kind, "doc_type": doc_type,
            "number_symbol": number, "document_date": doc_date, "issuing_body": body[0], "summary": summary,
            "urgency": _weighted(rng, vocab.URGENCY), "confidentiality": conf,
            "status": _weighted(rng, vocab.STATUSES[kind]),
            "deadline": doc_date + timedelta(days=rng.randint(7, 45))
            if kind is DocumentKind.INCOMING and rng.random() < 0.4 else None,
            "register_id": None, "register_number": None, "created_by_id": creator_id,
            "created_at": created, "updated_at": created, "row_version": 1,
            # the folded search column, as docflow's services keep it
            "search_text": textsearch.document_search_text(summary, number, body[0]),
        }
        version = {"id": doc_id, "document_id": doc_id, "number": 1, "parent_id": None, "sha256": blob.sha256,
                   "size": blob.size, "page_count": blob.pages, "original_filename": filename, "note": "",
                   "created_at": created, "created_by_id": creator_id}
        data.docs.append(DocInfo(doc_id, creator_id, creator, kind.value, doc_type, conf.value, blob, filename))
        yield doc, version


def _grant_rows(data: Dataset, rng: random.Random, confidential: list[tuple[int, int, datetime]]
                ) -> list[dict[str, Any]]:
    """The uploader's grant on each confidential document (as upload_document writes it), and
    routed grants for chuyenvien.dc on 0.5 % of other departments' documents."""
    clerk_id = data.users["vanthu"][0]
    official_id = data.users["chuyenvien.dc"][0]
    rows = [{"document_id": doc_id, "user_id": user_id, "reason": GrantReason.CONFIDENTIAL_ACCESS,
             "granted_by_id": user_id, "granted_at": at} for doc_id, user_id, at in confidential]
    tl = data.timeline
    for doc_id in rng.sample(range(1, tl.documents + 1), k=max(1, tl.documents // 200)):
        rows.append({"document_id": doc_id, "user_id": official_id, "reason": GrantReason.ROUTED,
                     "granted_by_id": clerk_id, "granted_at": tl.event_time(tl.upload_index(doc_id - 1))})
    return rows


def _insert_documents(data: Dataset, rng: random.Random) -> None:
    confidential: list[tuple[int, int, datetime]] = []
    docs: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []

    def flush() -> None:
        with data.engine.begin() as conn:
            conn.execute(insert(Document), docs)
            conn.execute(insert(DocumentVersion), versions)
        docs.clear()
        versions.clear()

    for doc, version in _document_rows(data, rng):
        docs.append(doc)
        versions.append(version)
        if doc["confidentiality"] is not Confidentiality.NORMAL:
            confidential.append((doc["id"], doc["created_by_id"], doc["created_at"]))
        if len(docs) >= BATCH:
            flush()
    if docs:
        flush()
    grants = _grant_rows(data, rng, confidential)
    with data.engine.begin() as conn:
        for i in range(0, len(grants), BATCH):
            conn.execute(insert(DocumentGrant), grants[i:i + BATCH])
        if data.engine.dialect.name == "postgresql":
            for table in ("documents", "document_versions"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))


def finish(data: Dataset) -> str:
    """PostgreSQL: VACUUM ANALYZE, as autovacuum would soon after a bulk load. SQLite: ANALYZE with
    the same sampling limit as `docflow init`, which `make run` runs at every start. Returns a note."""
    started = time.perf_counter()
    if data.engine.dialect.name == "postgresql":
        with data.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        note = "VACUUM ANALYZE after the load (what autovacuum does shortly after a bulk insert)"
    else:
        raw = data.engine.raw_connection()  # autocommit at the driver level: no BEGIN IMMEDIATE
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA analysis_limit=2000")
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        note = "ANALYZE (analysis_limit 2000) as `docflow init` does at every `make run`"
    data.timings["vacuum/analyze/checkpoint"] = time.perf_counter() - started
    return note

