"""Record audit events into the hash chain and verify the chain.

Each event's hash is SHA-256 over the previous event's hash and the event's canonical encoding
(sorted-key compact JSON in UTF-8), so changing, removing, inserting or reordering any row breaks
the chain at that row. Writers lock the single ``audit_head`` row, which keeps the chain one line
under concurrent transactions.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.models import AuditEvent, AuditHead, User, utc_now

GENESIS_HASH = "0" * 64


class AuditAction(enum.StrEnum):
    SYSTEM_INITIALISED = "system.initialised"
    DEMO_SEEDED = "demo.seeded"
    USER_SIGNED_IN = "user.signed_in"
    USER_SIGN_IN_FAILED = "user.sign_in_failed"
    USER_SIGN_IN_LOCKED = "user.sign_in_locked"
    USER_SIGNED_OUT = "user.signed_out"
    USER_CREATED = "user.created"
    USER_UPDATED = "user.updated"
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    USER_PASSWORD_CHANGED = "user.password_changed"
    USER_PASSWORD_CHANGE_FAILED = "user.password_change_failed"
    USER_LANGUAGE_CHANGED = "user.language_changed"
    DEPARTMENT_CREATED = "department.created"
    DEPARTMENT_UPDATED = "department.updated"
    DOCUMENT_UPLOADED = "document.uploaded"
    DOCUMENT_VERSION_ADDED = "document.version_added"
    DOCUMENT_METADATA_EDITED = "document.metadata_edited"
    DOCUMENT_VIEWED = "document.viewed"
    DOCUMENT_DOWNLOADED = "document.downloaded"
    DOCUMENT_ACCESS_GRANTED = "document.access_granted"
    AUDIT_VERIFIED = "audit.verified"
    CERTIFICATE_ISSUED = "certificate.issued"
    CERTIFICATE_REVOKED = "certificate.revoked"
    SIGNATURE_IMAGE_CHANGED = "user.signature_image_changed"
    DOCUMENT_SIGNED = "document.signed"
    DOCUMENT_SIGNING_REFUSED = "document.signing_refused"
    DOCUMENT_VERIFIED = "document.verified"
    # the workflow (issue 4)
    INCOMING_REGISTERED = "incoming.registered"
    DOCUMENT_DIRECTED = "document.directed"
    ASSIGNMENT_CREATED = "assignment.created"
    ASSIGNMENT_FORWARDED = "assignment.forwarded"
    ASSIGNMENT_COMPLETED = "assignment.completed"
    ASSIGNMENT_ESCALATED = "assignment.escalated"
    OPINION_ADDED = "opinion.added"
    DRAFT_CREATED = "draft.created"
    ROUTE_STARTED = "route.started"
    STEP_APPROVED = "step.approved"
    STEP_RETURNED = "step.returned"
    DOCUMENT_ISSUED = "document.issued"
    NUMBER_ASSIGNED = "register.number_assigned"
    DOCUMENT_DISTRIBUTED = "document.distributed"
    DOCUMENT_REPLACED = "document.replaced"
    DOCUMENT_CORRECTED = "document.corrected"
    DOCUMENT_RECALLED = "document.recalled"
    DELEGATION_CREATED = "delegation.created"
    DELEGATION_REVOKED = "delegation.revoked"
    REGISTER_EXPORTED = "register.exported"
    # auditors (issue 5)
    SIGNATURE_CHAIN_CHECKED = "document.signature_chain_checked"
    EVIDENCE_EXPORTED = "evidence.exported"
    ACCESS_CHANGE_CONFIRMED = "access_change.confirmed"


def canonical_bytes(*, seq: int, occurred_at: datetime, actor_id: int | None, actor_name: str,
                    action: str, object_type: str, object_id: str, details: dict[str, Any]) -> bytes:
    """The exact bytes an event's hash covers; stable across databases and Python versions."""
    payload = {
        "seq": seq,
        "occurred_at": occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "details": details,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def chain_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + content).hexdigest()


def event_content(event: Any) -> bytes:
    """Canonical bytes of a stored event (an ORM row or a plain row with the same attributes)."""
    return canonical_bytes(seq=event.seq, occurred_at=event.occurred_at, actor_id=event.actor_id,
                           actor_name=event.actor_name, action=event.action,
                           object_type=event.object_type, object_id=event.object_id,
                           details=event.details)


def lock_chain(session: Session) -> AuditHead:
    """Take the chain's write lock for the rest of the transaction (SELECT … FOR UPDATE on its head).

    ``populate_existing`` matters: sessions keep objects across commits (expire_on_commit=False), and
    a head remembered from an earlier transaction would fork the chain.
    """
    stmt = select(AuditHead).where(AuditHead.id == 1).with_for_update().execution_options(populate_existing=True)
    return session.execute(stmt).scalar_one()


def record(
    session: Session,
    *,
    action: AuditAction,
    actor: User | None,
    object_type: str = "",
    object_id: int | str | None = None,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction. Flushes.

    ``details`` must be JSON-serialisable and must never hold secrets (passwords, PINs, keys).
    """
    now = now or utc_now()
    details = json.loads(json.dumps(details or {}, ensure_ascii=False, default=str))
    head = lock_chain(session)
    seq = head.seq + 1
    event = AuditEvent(seq=seq, occurred_at=now, actor_id=actor.id if actor else None,
                       actor_name=actor.username if actor else "system", action=str(action),
                       object_type=object_type, object_id="" if object_id is None else str(object_id),
                       details=details, prev_hash=head.hash)
    digest = chain_hash(head.hash, event_content(event))
    event.hash = digest
    session.add(event)
    head.seq, head.hash = seq, digest
    session.flush()
    return event


class ProblemKind(enum.StrEnum):
    CHANGED = "changed"      # a row's content no longer matches its hash
    REMOVED = "removed"      # a sequence number is missing
    INSERTED = "inserted"    # rows slipped in between two that were written one after the other
    REORDERED = "reordered"  # a row now stands before the row it was written after
    TRUNCATED = "truncated"  # the head says the chain is longer than the rows


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    kind: ProblemKind
    detail: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_seq: int | None
    last_seq: int | None
    problem: ChainProblem | None

    @property
    def intact(self) -> bool:
        return self.problem is None


def verify_rows(rows: Iterable[Any], *, expected_prev: str | None = None,
                expected_first_seq: int | None = None,
                locate: Callable[[str], int | None] = lambda _h: None) -> ChainReport:
    """Recompute the chain over rows in sequence order and name the first broken position.

    ``locate(hash)`` returns the sequence number of the row carrying that hash (or None); it is
    only called once something is wrong, to tell an insertion or reordering from a plain change.
    """
    checked = 0
    first_seq: int | None = None
    prev_seq = (expected_first_seq - 1) if expected_first_seq is not None else None
    prev_hash = expected_prev
    for row in rows:
        problem = _check_row(row, prev_seq, prev_hash, locate)
        if problem is not None:
            return ChainReport(checked, first_seq, prev_seq, problem)
        checked += 1
        first_seq = row.seq if first_seq is None else first_seq
        prev_seq, prev_hash = row.seq, row.hash
    return ChainReport(checked, first_seq, prev_seq, None)


def _check_row(row: Any, prev_seq: int | None, prev_hash: str | None,
               locate: Callable[[str], int | None]) -> ChainProblem | None:
    if prev_seq is not None and row.seq <= prev_seq:
        return ChainProblem(row.seq, ProblemKind.REORDERED, f"sequence {row.seq} follows {prev_seq}")
    if prev_seq is not None and row.seq > prev_seq + 1:
        return ChainProblem(prev_seq + 1, ProblemKind.REMOVED,
                            f"event {prev_seq + 1} is missing: {row.seq} follows {prev_seq}")
    content_ok = chain_hash(row.prev_hash, event_content(row)) == row.hash
    if prev_hash is None or row.prev_hash == prev_hash:
        if content_ok:
            return None
        return ChainProblem(row.seq, ProblemKind.CHANGED, f"event {row.seq} does not match its hash")
    # The row does not continue from its predecessor: find where the row it was written after is now.
    written_after = locate(row.prev_hash) if row.prev_hash != GENESIS_HASH else 0
    if written_after is not None and prev_seq is not None and written_after < prev_seq:
        return ChainProblem(written_after + 1, ProblemKind.INSERTED,
                            f"events {written_after + 1}–{prev_seq} were inserted: event {row.seq} was "
                            f"written right after event {written_after}")
    if written_after is not None and prev_seq is not None and written_after > prev_seq:
        return ChainProblem(row.seq, ProblemKind.REORDERED,
                            f"event {row.seq} was written after event {written_after}, which now comes later")
    return ChainProblem(row.seq, ProblemKind.CHANGED,
                        f"event {row.seq} does not continue the chain from event {prev_seq}")


def verify_chain(session: Session, *, from_seq: int | None = None, to_seq: int | None = None,
                 batch: int = 5000) -> ChainReport:
    """Verify the stored chain (optionally a range of it) against its head. Read-only."""
    start = from_seq or 1
    expected_prev: str | None = GENESIS_HASH
    if start > 1:
        expected_prev = session.execute(select(AuditEvent.hash).where(AuditEvent.seq == start - 1)).scalar()

    def locate(digest: str) -> int | None:
        return session.execute(select(AuditEvent.seq).where(AuditEvent.hash == digest).limit(1)).scalar()

    # The head is read first and the rows only up to it: events committed while we read are not
    # part of this check, so they cannot look like a truncated chain.
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)
                           .execution_options(populate_existing=True)).scalar_one()
    end = head.seq if to_seq is None else to_seq
    report = verify_rows(_iter_rows(session, start, end, batch), expected_prev=expected_prev,
                         expected_first_seq=start, locate=locate)
    if report.problem is None and to_seq is None:
        last = report.last_seq if report.last_seq is not None else start - 1
        if head.seq > last:
            return ChainReport(report.checked, report.first_seq, report.last_seq,
                               ChainProblem(last + 1, ProblemKind.TRUNCATED,
                                            f"the chain head is at {head.seq} but the events end at {last}"))
        if report.checked and head.hash != _last_hash(session, last):
            return ChainReport(report.checked, report.first_seq, report.last_seq,
                               ChainProblem(last, ProblemKind.CHANGED, "the chain head does not match"))
    return report


def _last_hash(session: Session, seq: int) -> str | None:
    return session.execute(select(AuditEvent.hash).where(AuditEvent.seq == seq)).scalar()


_ROW_COLUMNS = (AuditEvent.seq, AuditEvent.occurred_at, AuditEvent.actor_id,
                AuditEvent.actor_name, AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id,
                AuditEvent.details, AuditEvent.prev_hash, AuditEvent.hash)


def _iter_rows(session: Session, start: int, end: int | None, batch: int) -> Iterator[Any]:
    # Keyset pagination over seq (unique, indexed) keeps memory flat on a million rows.
    last_seq = start - 1
    while True:
        stmt = select(*_ROW_COLUMNS).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch)
        if end is not None:
            stmt = stmt.where(AuditEvent.seq <= end)
        rows = session.execute(stmt).all()
        if not rows:
            return
        yield from rows
        last_seq = rows[-1].seq


def events_for(session: Session, *, object_type: str, object_id: int | str) -> list[AuditEvent]:
    stmt = (select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.seq))
    return list(session.execute(stmt).scalars())

