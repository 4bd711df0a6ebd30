"""Millions of documents across the wards, COPYed: documents, their first version, register entries, the
outgoing documents' routes and the incoming/internal documents' assignments (bench/workflow.py's shapes).

Time-ordered over three years, interleaved across wards as a province's documents arrive. Old documents are
finished (issued, completed); the last 90 days follow bench/vocab.py's status mix, so the queues hold open work.
A document "signed" but not issued would need a real signature in its PDF, so none is generated: the issue
queue fills with what the load test's signers sign. Every document shares one of a handful of real PDF blobs
(the store is content-addressed): the outgoing ones the demo's own template draft, so they can be signed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine

from bench import vocab, workflow
from bench.dataset import Blob
from bench.load.copying import copy_rows, reset_sequence
from bench.load.provision import WardInfo
from docflow import textsearch
from docflow.models import (
    Assignment, Document, DocumentKind, DocumentStatus, DocumentVersion, RoutingStep,
)

SPAN = timedelta(days=3 * 365)
RECENT = timedelta(days=90)
OLD_STATUSES = {
    DocumentKind.INCOMING: ((DocumentStatus.COMPLETED, 97), (DocumentStatus.IN_PROGRESS, 3)),
    DocumentKind.OUTGOING: ((DocumentStatus.ISSUED, 93), (DocumentStatus.RECALLED, 2), (DocumentStatus.REPLACED, 3),
                            (DocumentStatus.DRAFT, 2)),
    DocumentKind.INTERNAL: ((DocumentStatus.COMPLETED, 94), (DocumentStatus.IN_PROGRESS, 1),
                            (DocumentStatus.REPLACED, 5)),
}
SIGNER_SQL = ("UPDATE documents d SET signer_id = s.assignee_id FROM routing_steps s WHERE s.document_id = d.id "
              "AND s.kind = 'sign' AND d.signer_id IS NULL AND s.round = (SELECT max(round) FROM routing_steps r "
              "WHERE r.document_id = d.id)")
# The routed grants that directing gives: whoever holds an open assignment of another department's document
# (the assignee, or the head of the department it went to) may open it (policy.access.can_view).
GRANTS_SQL = ("INSERT INTO document_grants (document_id, user_id, reason, granted_by_id, granted_at) "
              "SELECT DISTINCT ON (a.document_id, u.id) a.document_id, u.id, 'routed', a.assigned_by_id, "
              "a.assigned_at FROM assignments a JOIN users u ON (u.id = a.assignee_id) OR (a.assignee_id IS NULL "
              "AND u.department_id = a.department_id AND u.role = 'head') JOIN documents d ON d.id = a.document_id "
              "WHERE a.status IN ('open', 'in_progress') AND (u.department_id IS DISTINCT FROM d.department_id) "
              "AND NOT EXISTS (SELECT 1 FROM document_grants g WHERE g.document_id = a.document_id "
              "AND g.user_id = u.id)")
DOC_COLUMNS = ["id", "organisation_id", "department_id", "kind", "doc_type", "number_symbol", "document_date",
               "issuing_body", "summary", "urgency", "confidentiality", "status", "deadline", "register_id",
               "register_number", "series", "created_by_id", "created_at", "updated_at", "row_version", "search_text"]
VERSION_COLUMNS = ["id", "document_id", "number", "parent_id", "sha256", "size", "page_count", "original_filename",
                   "note", "created_at", "created_by_id"]


@dataclass(frozen=True)
class DocFact:
    """What the audit generator needs of a document."""
    id: int
    ward: int            # index into the wards list
    creator_id: int
    creator: str
    kind: str
    doc_type: str
    confidentiality: str
    blob: Blob
    at: datetime


def _pick(rng: random.Random, table: Any) -> Any:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


class _Maker:
    def __init__(self, wards: list[WardInfo], blobs: list[Blob], draft: Blob, count: int, first_id: int,
                 end: datetime) -> None:
        self.wards, self.blobs, self.draft, self.count, self.first_id = wards, blobs, draft, count, first_id
        self.end, self.start = end, end - SPAN
        self.rng = random.Random(20261206)
        self.numbers: dict[int, int] = {}          # register id -> last number
        self.facts: list[DocFact] = []
        # ward sizes differ: weights 0.5..1.5
        self.weights = [0.5 + self.rng.random() for _ in wards]

    def rows(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for k in range(self.count):
            doc_id = self.first_id + k
            created = self.start + SPAN * ((k + 1) / (self.count + 1))
            w = rng.choices(range(len(self.wards)), weights=self.weights)[0]
            ward = self.wards[w]
            kind = _pick(rng, vocab.KINDS)
            recent = self.end - created < RECENT
            status = _pick(rng, vocab.STATUSES[kind] if recent else OLD_STATUSES[kind])
            if status is DocumentStatus.SIGNED:
                status = DocumentStatus.AWAITING_SIGNATURE
            dept = _pick(rng, vocab.DEPARTMENT_WEIGHTS)
            doc_type = _pick(rng, vocab.DOC_TYPES[kind])
            creator = ("vanthu" if rng.random() < 0.8 else "vanthu2") if kind is DocumentKind.INCOMING \
                else vocab.OFFICIAL_OF[dept]
            creator_id = ward.users[creator][0]
            doc_date: date = created.date() - timedelta(days=rng.randint(0, 12) if kind is DocumentKind.INCOMING else 0)
            body = rng.choice(vocab.EXTERNAL_BODIES) if kind is DocumentKind.INCOMING else vocab.OWN_BODY
            number = vocab.number_symbol(rng, kind, doc_type, dept, body[1])
            summary = vocab.summary(rng)
            register_id = register_number = None
            if kind is DocumentKind.INCOMING or status in (DocumentStatus.ISSUED, DocumentStatus.RECALLED,
                                                           DocumentStatus.REPLACED) and kind is DocumentKind.OUTGOING:
                register_id = ward.registers.get(("incoming" if kind is DocumentKind.INCOMING else "outgoing",
                                                  created.year))
                if register_id is not None:
                    register_number = self.numbers.get(register_id, 0) + 1
                    self.numbers[register_id] = register_number
            blob = self.draft if kind is DocumentKind.OUTGOING else self.blobs[k % len(self.blobs)]
            conf = _pick(rng, vocab.CONFIDENTIALITY)
            self.facts.append(DocFact(doc_id, w, creator_id, ward.prefix + creator, kind.value, doc_type, conf.value,
                                      blob, created))
            yield {"id": doc_id, "organisation_id": ward.id, "department_id": ward.departments[dept], "kind": kind,
                   "doc_type": doc_type, "number_symbol": number, "document_date": doc_date, "issuing_body": body[0],
                   "summary": summary, "urgency": _pick(rng, vocab.URGENCY), "confidentiality": conf,
                   "status": status, "deadline": doc_date + timedelta(days=rng.randint(7, 45))
                   if kind is DocumentKind.INCOMING and rng.random() < 0.4 else None,
                   "register_id": register_id, "register_number": register_number, "series": "",
                   "created_by_id": creator_id, "created_at": created, "updated_at": created, "row_version": 1,
                   "search_text": textsearch.document_search_text(summary, number, body[0])}


def _version(doc: dict[str, Any], blob: Blob, version_id: int) -> dict[str, Any]:
    return {"id": version_id, "document_id": doc["id"], "number": 1, "parent_id": None, "sha256": blob.sha256,
            "size": blob.size, "page_count": blob.pages, "original_filename": f"{doc['doc_type']}-{doc['id']}.pdf",
            "note": "", "created_at": doc["created_at"], "created_by_id": doc["created_by_id"]}


def _ward_view(ward: WardInfo) -> workflow.Ward:
    return workflow.Ward({name: uid for name, (uid, _r, _d) in ward.users.items()}, dict(ward.departments),
                         {v: k for k, v in ward.departments.items()})


def generate(engine: Engine, wards: list[WardInfo], blobs: list[Blob], draft: Blob, count: int, first_id: int,
             timings: dict[str, float]) -> list[DocFact]:
    """COPY ``count`` documents (ids from ``first_id``) and everything hanging off them. Returns their facts."""
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    maker = _Maker(wards, blobs, draft, count, first_id, end)
    with engine.connect() as conn:   # numbers the demo (or an earlier run) gave already
        maker.numbers.update(conn.exec_driver_sql(
            "SELECT id, last_number FROM registers").tuples().all())
    started = time.perf_counter()
    docs = list(maker.rows())
    timings[f"{count:,} documents: generate rows"] = time.perf_counter() - started
    started = time.perf_counter()
    copy_rows(engine, Document.__table__, docs, columns=DOC_COLUMNS)
    first_version = _next_id(engine, "document_versions")
    copy_rows(engine, DocumentVersion.__table__,
              (_version(d, f.blob, first_version + k) for k, (d, f) in enumerate(zip(docs, maker.facts))),
              columns=VERSION_COLUMNS)
    reset_sequence(engine, "documents")
    reset_sequence(engine, "document_versions")
    timings[f"{count:,} documents + versions: COPY"] = time.perf_counter() - started

    started = time.perf_counter()
    views = [_ward_view(w) for w in wards]
    rng = random.Random(20261207)
    amaker = workflow._AssignmentMaker(views[0], rng, end.date())
    amaker.next_id = _next_id(engine, "assignments")
    step_id = iter(range(_next_id(engine, "routing_steps"), 10**12))
    assignments: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for doc, fact in zip(docs, maker.facts):
        ns = SimpleNamespace(**doc)
        if doc["kind"] is DocumentKind.OUTGOING:
            steps.extend(workflow._step_rows(ns, views[fact.ward], rng, lambda: next(step_id)))
        elif doc["status"] is not DocumentStatus.REGISTERED:
            amaker.ward = views[fact.ward]
            assignments.extend(amaker.document(ns, end))
    timings["routes and assignments: generate rows"] = time.perf_counter() - started
    started = time.perf_counter()
    if steps:
        copy_rows(engine, RoutingStep.__table__, steps, columns=list(steps[0]))
    if assignments:
        copy_rows(engine, Assignment.__table__, assignments, columns=list(assignments[0]))
    with engine.begin() as conn:   # the signer the drafter chose is the route's sign step's assignee
        conn.exec_driver_sql(SIGNER_SQL)
        conn.exec_driver_sql(GRANTS_SQL)
    reset_sequence(engine, "routing_steps")
    reset_sequence(engine, "assignments")
    with engine.begin() as conn:   # the default series' counter is the register's own last_number
        for register_id, number in maker.numbers.items():
            conn.exec_driver_sql("UPDATE registers SET last_number = %(n)s WHERE id = %(r)s",
                                 {"n": number, "r": register_id})
    timings[f"{len(steps):,} routing steps + {len(assignments):,} assignments: COPY"] = time.perf_counter() - started
    return maker.facts


def _next_id(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").scalar_one())
