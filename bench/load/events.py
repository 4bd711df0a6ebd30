"""Millions of audit events, hashed into docflow's chain with docflow's own functions and COPYed.

Every row's hash is ``event_hash(prev, canonical_bytes(...))`` as ``audit.record`` computes it, so the chain
the bench leaves verifies. Today's schema has ONE chain for the deployment (``audit_head`` id 1): the events
continue it after what `docflow demo` wrote. The per-ward chains of issue 16 §3 (``audit_events.organisation_id``,
a head per ward) are being built in parallel; once they land, this generator must write ``organisation_id``
and keep one ``prev``/``seq`` per ward (``_Chain`` is the one place to change).

Each document gets its ``document.uploaded`` event at its creation time; the rest are sign-ins, views,
downloads, edits and grants by the ward's own users on the ward's own earlier documents, spread over the
same three years. Events are appended after the demo's, so their times run from three years ago to now
after the demo's "now" events (verification checks the links, not the order of times).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, select, update

from bench.events import OTHER_ACTIONS, STATUS_STEPS
from bench.load.copying import copy_rows
from bench.load.documents import SPAN, DocFact
from bench.load.provision import WardInfo
from docflow.models import AuditEvent, AuditHead
from docflow.services.audit import AuditAction, canonical_bytes, event_hash

COLUMNS = ["seq", "occurred_at", "actor_id", "actor_name", "action", "object_type", "object_id", "details",
           "prev_hash", "hash"]


class _Chain:
    """One chain for the deployment (today's schema)."""

    def __init__(self, engine: Engine) -> None:
        with engine.connect() as conn:
            head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
        self.seq, self.prev = int(head.seq), str(head.hash)

    def link(self, fields: dict[str, Any]) -> dict[str, Any]:
        self.seq += 1
        fields["seq"] = self.seq
        digest = event_hash(self.prev, canonical_bytes(**fields))
        fields["prev_hash"], fields["hash"] = self.prev, digest
        self.prev = digest
        return fields

    def save(self, engine: Engine) -> None:
        with engine.begin() as conn:
            conn.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=self.seq, hash=self.prev))


def _upload(doc: DocFact) -> dict[str, Any]:
    return dict(occurred_at=doc.at, actor_id=doc.creator_id, actor_name=doc.creator,
                action=str(AuditAction.DOCUMENT_UPLOADED), object_type="document", object_id=str(doc.id),
                details={"sha256": doc.blob.sha256, "size": doc.blob.size, "pages": doc.blob.pages, "kind": doc.kind,
                         "doc_type": doc.doc_type, "confidentiality": doc.confidentiality,
                         **({"filename": f"{doc.doc_type}-{doc.id}.pdf"} if doc.confidentiality == "normal" else {})})


class _Others:
    def __init__(self, wards: list[WardInfo], rng: random.Random) -> None:
        self.rng = rng
        self.users = [[(w.prefix + name, uid) for name, (uid, _r, _d) in sorted(w.users.items())] for w in wards]
        self.by_ward: list[list[int]] = [[] for _ in wards]       # documents uploaded so far, per ward
        self.actions = [a for a, _ in OTHER_ACTIONS]
        self.weights = [w for _, w in OTHER_ACTIONS]

    def event(self, at: Any) -> dict[str, Any]:
        rng = self.rng
        w = rng.randrange(len(self.users))
        name, uid = rng.choice(self.users[w])
        action = rng.choices(self.actions, weights=self.weights)[0]
        docs = self.by_ward[w]
        if action.value.startswith("document.") and docs:
            doc_id = docs[int(len(docs) * (1 - rng.random() ** 3)) - 1]   # recent documents are read more
            if action is AuditAction.DOCUMENT_METADATA_EDITED:
                before, after = rng.choice(STATUS_STEPS)
                details: dict[str, Any] = {"changes": {"status": {"from": before, "to": after}}}
            elif action is AuditAction.DOCUMENT_ACCESS_GRANTED:
                details = {"user_id": rng.choice(self.users[w])[1], "reason": "routed"}
            else:
                details = {"version": 1}
            return dict(occurred_at=at, actor_id=uid, actor_name=name, action=str(action), object_type="document",
                        object_id=str(doc_id), details=details)
        addr = f"10.{w % 250}.{rng.randint(0, 9)}.{rng.randint(2, 250)}"
        if action is AuditAction.USER_SIGN_IN_FAILED:
            return dict(occurred_at=at, actor_id=None, actor_name="system", action=str(action), object_type="user",
                        object_id=str(uid), details={"reason": "bad_credentials", "failures": rng.randint(1, 4),
                                                     "remote_addr": addr})
        action = AuditAction.USER_SIGNED_OUT if action is AuditAction.USER_SIGNED_OUT else AuditAction.USER_SIGNED_IN
        return dict(occurred_at=at, actor_id=uid, actor_name=name, action=str(action), object_type="user",
                    object_id=str(uid), details={"remote_addr": addr} if action is AuditAction.USER_SIGNED_IN else {})


def generate(engine: Engine, wards: list[WardInfo], docs: list[DocFact], total: int,
             timings: dict[str, float]) -> int:
    """``total`` events (at least one per document), COPYed in one stream; returns the chain's length."""
    total = max(total, len(docs))
    chain = _Chain(engine)
    others = _Others(wards, random.Random(20261208))
    end = docs[-1].at if docs else None
    start = end - SPAN if end else None

    def rows() -> Iterator[dict[str, Any]]:
        next_doc = 0
        for i in range(total):
            due = next_doc < len(docs) and (i * len(docs)) // total >= next_doc
            if due:
                doc = docs[next_doc]
                next_doc += 1
                others.by_ward[doc.ward].append(doc.id)
                yield chain.link(_upload(doc))
            else:
                at = docs[max(next_doc - 1, 0)].at if docs else start
                yield chain.link(others.event(at))

    started = time.perf_counter()
    copy_rows(engine, AuditEvent.__table__, rows(), columns=COLUMNS)
    chain.save(engine)
    timings[f"{total:,} audit events: canonical JSON + SHA-256 chain + COPY"] = time.perf_counter() - started
    return chain.seq
