"""Bulk audit events that continue docflow's hash chain, inserted with Core executemany batches.

Every row is hashed with docflow's own ``canonical_bytes`` and ``event_hash``; ``audit_head`` is
moved to the last row in the same transaction as each batch, so the chain is valid after every
commit and ``verify_chain`` must report it intact.
"""

from __future__ import annotations

import random
import time
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from bench.dataset import BATCH, Dataset, DocInfo
from docflow.models import AuditEvent, AuditHead
from docflow.services.audit import AuditAction, canonical_bytes, event_hash

# (action, weight) for the events that are not a document's upload.
OTHER_ACTIONS: tuple[tuple[AuditAction, float], ...] = (
    (AuditAction.USER_SIGNED_IN, 35), (AuditAction.USER_SIGNED_OUT, 15), (AuditAction.USER_SIGN_IN_FAILED, 5),
    (AuditAction.DOCUMENT_METADATA_EDITED, 15), (AuditAction.DOCUMENT_VIEWED, 15),
    (AuditAction.DOCUMENT_DOWNLOADED, 10), (AuditAction.DOCUMENT_ACCESS_GRANTED, 5),
)
STATUS_STEPS = (("registered", "in_progress"), ("in_progress", "completed"), ("draft", "in_review"),
                ("in_review", "awaiting_signature"), ("signed", "issued"))


class _Generator:
    """Produces the fields of event i (everything but the hashes)."""

    def __init__(self, data: Dataset, rng: random.Random) -> None:
        self.data, self.rng = data, rng
        self.users = sorted((name, uid) for name, (uid, _dept) in data.users.items())
        self.actions = [a for a, _ in OTHER_ACTIONS]
        self.weights = [w for _, w in OTHER_ACTIONS]
        self.uploaded = 0  # documents whose upload event has been written

    def upload(self, doc: DocInfo, at: datetime) -> dict[str, Any]:
        self.uploaded += 1
        return dict(occurred_at=at, actor_id=doc.created_by_id, actor_name=doc.created_by,
                    action=str(AuditAction.DOCUMENT_UPLOADED), object_type="document", object_id=str(doc.id),
                    details={"sha256": doc.blob.sha256, "size": doc.blob.size, "pages": doc.blob.pages,
                             "kind": doc.kind, "doc_type": doc.doc_type, "confidentiality": doc.confidentiality,
                             # docflow leaves a confidential document's filename out of the log
                             **({"filename": doc.filename} if doc.confidentiality == "normal" else {})})

    def other(self, at: datetime) -> dict[str, Any]:
        rng = self.rng
        action = rng.choices(self.actions, weights=self.weights)[0]
        name, uid = rng.choice(self.users)
        addr = f"10.0.{rng.randint(0, 9)}.{rng.randint(2, 250)}"
        if action.value.startswith("document.") and self.uploaded:
            doc = self.data.docs[rng.randrange(self.uploaded)]
            if action is AuditAction.DOCUMENT_METADATA_EDITED:
                before, after = rng.choice(STATUS_STEPS)
                details: dict[str, Any] = {"changes": {"status": {"from": before, "to": after}}}
            elif action is AuditAction.DOCUMENT_ACCESS_GRANTED:
                details = {"user_id": rng.choice(self.users)[1], "reason": "routed"}
            else:
                details = {"version": 1, "sha256": doc.blob.sha256}
            return dict(occurred_at=at, actor_id=uid, actor_name=name, action=str(action),
                        object_type="document", object_id=str(doc.id), details=details)
        if action is AuditAction.USER_SIGN_IN_FAILED:
            return dict(occurred_at=at, actor_id=None, actor_name="system", action=str(action),
                        object_type="user", object_id=str(uid),
                        details={"reason": "bad_credentials", "failures": rng.randint(1, 4), "remote_addr": addr})
        action = AuditAction.USER_SIGNED_OUT if action is AuditAction.USER_SIGNED_OUT else AuditAction.USER_SIGNED_IN
        details = {"remote_addr": addr} if action is AuditAction.USER_SIGNED_IN else {}
        return dict(occurred_at=at, actor_id=uid, actor_name=name, action=str(action),
                    object_type="user", object_id=str(uid), details=details)


def insert_events(data: Dataset) -> int:
    """Append ``data.timeline.events`` events after the seeded ones. Returns the chain's length."""
    tl = data.timeline
    gen = _Generator(data, random.Random(20260202))
    with data.engine.connect() as conn:
        # The first ward's chain (each ward has its own); the bench seeds one ward.
        head = conn.execute(select(AuditHead.organisation_id, AuditHead.seq, AuditHead.hash)
                            .order_by(AuditHead.organisation_id).limit(1)).one()
    ward, seq, prev = int(head.organisation_id), int(head.seq), str(head.hash)
    next_doc, next_upload = 0, tl.upload_index(0) if tl.documents else -1
    hashing = inserting = 0.0
    rows: list[dict[str, Any]] = []
    for i in range(tl.events):
        started = time.perf_counter()
        at = tl.event_time(i)
        if i == next_upload:
            fields = gen.upload(data.docs[next_doc], at)
            next_doc += 1
            next_upload = tl.upload_index(next_doc) if next_doc < tl.documents else -1
        else:
            fields = gen.other(at)
        seq += 1
        fields["seq"], fields["organisation_id"] = seq, ward   # hashed with its ward, as record() does
        digest = event_hash(prev, canonical_bytes(**fields))
        rows.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
        hashing += time.perf_counter() - started
        if len(rows) >= BATCH or i == tl.events - 1:
            started = time.perf_counter()
            with data.engine.begin() as conn:
                conn.execute(insert(AuditEvent), rows)
                conn.execute(update(AuditHead).where(AuditHead.organisation_id == ward).values(seq=seq, hash=prev))
            rows.clear()
            inserting += time.perf_counter() - started
    data.timings[f"{tl.events:,} audit events: generate + canonical JSON + SHA-256"] = hashing
    data.timings[f"{tl.events:,} audit events: Core executemany insert (batches of {BATCH:,})"] = inserting
    return seq
