"""Millions of audit events, hashed into docflow's chain with docflow's own functions and COPYed.

Every row's hash is ``event_hash(prev, canonical_bytes(...))`` as ``audit.record`` computes it, so the chain
the bench leaves verifies. Today's schema has ONE chain for the deployment (``audit_head`` id 1): the events
continue it after what `docflow demo` wrote. The per-ward chains of issue 16 §3 (``audit_events.organisation_id``,
a head per ward, the ward in the hash) are built in parallel: ``_Chain`` writes them as soon as the model has
the column (checked against the audit branch's model; to be run again after the merge).

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
from docflow.auditlog.chain import GENESIS_HASH
from docflow.services.audit import AuditAction, canonical_bytes, event_hash

COLUMNS = ["seq", "occurred_at", "actor_id", "actor_name", "action", "object_type", "object_id", "details",
           "prev_hash", "hash"]


PER_WARD = "organisation_id" in AuditEvent.__table__.c    # the audit engineer's one chain per ward has landed


class _Chain:
    """The chain(s) the events continue: one for the deployment (main today), or one per ward once
    ``audit_events.organisation_id`` exists (then each event names its ward in its hash, hash_format 2)."""

    def __init__(self, engine: Engine, ward_ids: list[int]) -> None:
        self.heads: dict[int | None, list[Any]] = {}      # ward id (None: the one chain) -> [seq, hash]
        with engine.connect() as conn:
            if PER_WARD:
                rows = conn.execute(select(AuditHead.organisation_id, AuditHead.seq, AuditHead.hash)).all()
                self.heads = {w: [int(seq), str(h)] for w, seq, h in rows}
                for w in ward_ids:
                    self.heads.setdefault(w, [0, GENESIS_HASH])
            else:
                head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
                self.heads[None] = [int(head.seq), str(head.hash)]

    def link(self, fields: dict[str, Any], ward_id: int) -> dict[str, Any]:
        head = self.heads[ward_id if PER_WARD else None]
        head[0] += 1
        fields["seq"] = head[0]
        if PER_WARD:
            digest = event_hash(head[1], canonical_bytes(**fields, organisation_id=ward_id))
            fields["organisation_id"], fields["hash_format"] = ward_id, 2
        else:
            digest = event_hash(head[1], canonical_bytes(**fields))
        fields["prev_hash"], fields["hash"] = head[1], digest
        head[1] = digest
        return fields

    @property
    def length(self) -> int:
        return sum(seq for seq, _h in self.heads.values())

    def save(self, engine: Engine) -> None:
        with engine.begin() as conn:
            if not PER_WARD:
                seq, digest = self.heads[None]
                conn.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=digest))
                return
            known = set(conn.execute(select(AuditHead.organisation_id)).scalars())
            for ward_id, (seq, digest) in self.heads.items():
                if ward_id in known:
                    conn.execute(update(AuditHead).where(AuditHead.organisation_id == ward_id)
                                 .values(seq=seq, hash=digest))
                elif seq:
                    conn.execute(AuditHead.__table__.insert().values(organisation_id=ward_id, seq=seq, hash=digest))


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

    def event(self, at: Any) -> tuple[dict[str, Any], int]:
        """The fields of one event and the index of its ward."""
        rng = self.rng
        w = rng.randrange(len(self.users))
        return self._fields(at, w), w

    def _fields(self, at: Any, w: int) -> dict[str, Any]:
        rng = self.rng
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
    ward_ids = [w.id for w in wards]
    chain = _Chain(engine, ward_ids)
    others = _Others(wards, random.Random(20261208))
    start = docs[-1].at - SPAN if docs else None

    def rows() -> Iterator[dict[str, Any]]:
        next_doc = 0
        for i in range(total):
            due = next_doc < len(docs) and (i * len(docs)) // total >= next_doc
            if due:
                doc = docs[next_doc]
                next_doc += 1
                others.by_ward[doc.ward].append(doc.id)
                yield chain.link(_upload(doc), ward_ids[doc.ward])
            else:
                fields, w = others.event(docs[max(next_doc - 1, 0)].at if docs else start)
                yield chain.link(fields, ward_ids[w])

    started = time.perf_counter()
    columns = COLUMNS + (["organisation_id", "hash_format"] if PER_WARD else [])
    copy_rows(engine, AuditEvent.__table__, rows(), columns=columns)
    chain.save(engine)
    timings[f"{total:,} audit events: canonical JSON + SHA-256 chain + COPY"] = time.perf_counter() - started
    return chain.length
