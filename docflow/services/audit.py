"""Record audit events into the hash chain and verify the chain stored in the database.

Each event's hash is SHA-256 over the previous event's hash and the SHA-256 of the event's canonical
content (``docflow.auditlog.chain``), so changing, removing, inserting or reordering any row breaks the
chain at that row, and signed checkpoints (``docflow.services.audit_checkpoints``) show even a chain
recomputed after the fact. Writers lock the single ``audit_head`` row, which keeps the chain one line under
concurrent transactions. The database refuses UPDATE and DELETE on the log (migration 0006).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.auditlog.chain import (
    GENESIS_HASH,
    ChainProblem,
    ChainReport,
    ChainVerifier,
    ProblemKind,
    canonical_bytes,
    canonical_json,
    chain_hash,
    content_sha256,
)
from docflow.auditlog.checkpoints import Checkpoint, Trust
from docflow.models import AuditCheckpoint, AuditEvent, AuditHead, User, utc_now
from docflow.services import audit_parallel
from docflow.services.audit_parallel import row_select_sql

__all__ = ["GENESIS_HASH", "AuditAction", "ChainProblem", "ChainReport", "ProblemKind", "canonical_bytes",
           "chain_hash", "event_content", "event_hash", "events_for", "lock_chain", "record", "verify_chain"]

# session.info key of the object that signs checkpoints (services.audit_checkpoints.Checkpointer).
CHECKPOINTER = "docflow.audit_checkpointer"


class AuditAction(enum.StrEnum):
    SYSTEM_INITIALISED = "system.initialised"
    DEMO_SEEDED = "demo.seeded"
    USER_SIGNED_IN = "user.signed_in"
    USER_SIGN_IN_FAILED = "user.sign_in_failed"
    USER_SIGN_IN_LOCKED = "user.sign_in_locked"  # before migration 0011: the old hard lock
    USER_SIGN_IN_DELAYED = "user.sign_in_delayed"
    USER_SIGN_IN_ADDRESS_LIMITED = "user.sign_in_address_limited"
    USER_SIGN_IN_BUSY = "user.sign_in_busy"
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
    AUDIT_EXPORTED = "audit.exported"
    CERTIFICATE_ISSUED = "certificate.issued"
    CERTIFICATE_REVOKED = "certificate.revoked"
    SIGNATURE_IMAGE_CHANGED = "user.signature_image_changed"
    DOCUMENT_SIGNED = "document.signed"
    FILE_SIGNED = "file.signed"   # `docflow sign --user`: a file outside docflow's documents, with a ward key
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
    # signing keys and PINs (issue 10)
    KEY_PIN_WRONG = "key.pin_wrong"
    KEY_LOCKED = "key.locked"
    KEY_REFUSED_LOCKED = "key.refused_locked"
    KEY_UNLOCKED = "key.unlocked"
    KEY_PIN_SET = "key.pin_set"
    KEY_PIN_CHANGED = "key.pin_changed"
    KEY_REWRAPPED = "key.rewrapped"
    # access changes that wait for a leader's confirmation before they take effect (issue 10)
    CONFIDENTIALITY_LOWERING_PROPOSED = "document.confidentiality_lowering_proposed"
    ASSIGNMENT_FORWARD_PROPOSED = "assignment.forward_proposed"
    ACCESS_CHANGE_DECLINED = "access_change.declined"


def event_content(event: Any) -> bytes:
    """Canonical bytes of a stored event (an ORM row or a plain row with the same attributes)."""
    return canonical_bytes(seq=event.seq, occurred_at=event.occurred_at, actor_id=event.actor_id,
                           actor_name=event.actor_name, action=event.action,
                           object_type=event.object_type, object_id=event.object_id,
                           details=event.details)


def event_hash(prev_hash: str, content: bytes) -> str:
    """The chain hash of an event with canonical ``content`` written after ``prev_hash``."""
    return chain_hash(prev_hash, content_sha256(content))


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
    """Append one event to the chain, in the caller's transaction, and sign a checkpoint when one is due
    (never failing the event for it). Flushes.

    ``details`` must be JSON-serialisable and must never hold secrets (passwords, PINs, keys).
    """
    now = (now or utc_now()).astimezone(UTC)
    # Stored as canonical text (the engine's JSON serialiser), hashed exactly as stored.
    details = json.loads(canonical_json(json.loads(json.dumps(details or {}, ensure_ascii=False, default=str))))
    head = lock_chain(session)
    seq = head.seq + 1
    event = AuditEvent(seq=seq, occurred_at=now, actor_id=actor.id if actor else None,
                       actor_name=actor.username if actor else "system", action=str(action),
                       object_type=object_type, object_id="" if object_id is None else str(object_id),
                       details=details, prev_hash=head.hash)
    digest = event_hash(head.hash, event_content(event))
    event.hash = digest
    session.add(event)
    head.seq, head.hash = seq, digest
    session.flush()
    checkpointer = session.info.get(CHECKPOINTER)
    if checkpointer is not None:
        checkpointer.after_event(session, head, now)
    return event


def iter_row_batches(session: Session, start: int, end: int, batch: int = 20_000) -> Iterator[list[tuple[Any, ...]]]:
    """Events ``start``..``end`` as FullRow tuples, ``batch`` at a time, through the driver's own cursor
    (a server-side cursor on PostgreSQL), so a million rows cost neither ORM objects nor memory."""
    connection = session.connection()
    dialect = connection.dialect.name
    raw: Any = connection.connection.driver_connection
    cursor = raw.cursor(name="docflow_audit_rows") if dialect == "postgresql" else raw.cursor()
    try:
        if dialect == "postgresql":
            cursor.itersize = batch
        cursor.execute(row_select_sql(dialect), (start, end))
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()


def load_checkpoints(session: Session, start: int, end: int | None) -> list[Checkpoint]:
    """The stored checkpoints with seq in [start, end], oldest first."""
    stmt = select(AuditCheckpoint).where(AuditCheckpoint.seq >= start).order_by(AuditCheckpoint.seq)
    if end is not None:
        stmt = stmt.where(AuditCheckpoint.seq <= end)
    return [as_checkpoint(row) for row in session.execute(stmt).scalars()]


def as_checkpoint(row: AuditCheckpoint) -> Checkpoint:
    return Checkpoint(seq=row.seq, hash=row.hash, created_at=row.created_at, organisation=row.organisation,
                      signature=bytes(row.signature), certificate=bytes(row.certificate),
                      timestamp_token=bytes(row.timestamp_token) if row.timestamp_token is not None else None)


def verify_chain(session: Session, *, from_seq: int | None = None, to_seq: int | None = None,
                 trust: Trust | None = None, batch: int = 20_000, workers: int | None = None) -> ChainReport:
    """Verify the stored chain (optionally a range of it) against its head and, with ``trust``
    (``audit_checkpoints.trust_for(settings)``), against every signed checkpoint in the range. Read-only.

    The report names the first broken position and the checkpoint that proves it; see ``ChainReport``.
    Long ranges of committed rows are verified by ``workers`` processes (default: one per core, at most
    four; 1 turns that off) and, only if something is wrong, again in one pass to say where.
    """
    start = from_seq or 1
    anchor: str | None = GENESIS_HASH
    if start > 1:
        anchor = session.execute(select(AuditEvent.hash).where(AuditEvent.seq == start - 1)).scalar()

    # The head is read first and the rows only up to it: events committed while we read are not
    # part of this check, so they cannot look like a truncated chain.
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)
                           .execution_options(populate_existing=True)).scalar_one()
    end = head.seq if to_seq is None else to_seq
    checkpoints = load_checkpoints(session, start, end) if trust is not None else []
    report = _verify_in_parallel(session, start, end, anchor, (head.seq, head.hash) if to_seq is None else None,
                                 checkpoints, trust, workers)
    if report is None:
        report = _verify_in_one_pass(session, start, end, anchor, (head.seq, head.hash) if to_seq is None else None,
                                     checkpoints, trust, batch)
    notes = list(report.notes)
    if trust is not None and not checkpoints:
        notes.append("no checkpoints")
    if trust is not None and checkpoints and not trust.revocation_checked:
        notes.append("revocation not checked: no CRL available")
    return ChainReport(report.checked, report.first_seq, report.last_seq, report.problem,
                       report.proving_checkpoint_seq, report.checkpoints_checked, report.last_checkpoint, tuple(notes))


def _verify_in_parallel(session: Session, start: int, end: int, anchor: str | None, head: tuple[int, str] | None,
                        checkpoints: list[Checkpoint], trust: Trust | None, workers: int | None) -> ChainReport | None:
    workers = audit_parallel.default_workers() if workers is None else workers
    if workers < 2 or end - start + 1 < audit_parallel.PARALLEL_MIN_ROWS:
        return None
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        dsn = url.database
    else:
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return audit_parallel.verify_parallel(dialect=url.get_backend_name(), dsn=dsn, start=start, end=end,
                                          anchor=anchor, head=head, checkpoints=checkpoints, trust=trust,
                                          workers=workers)


def _verify_in_one_pass(session: Session, start: int, end: int, anchor: str | None, head: tuple[int, str] | None,
                        checkpoints: list[Checkpoint], trust: Trust | None, batch: int) -> ChainReport:
    def locate(digest: str) -> int | None:
        return session.execute(select(AuditEvent.seq).where(AuditEvent.hash == digest).limit(1)).scalar()

    verifier = ChainVerifier(start_prev_hash=anchor, first_seq=start, checkpoints=checkpoints,
                             check=trust.check if trust is not None else None, locate=locate)
    for rows in iter_row_batches(session, start, end, batch):
        verifier.feed(rows)
        if verifier.done:
            break
    return verifier.finish(head=head)


def events_for(session: Session, *, object_type: str, object_id: int | str) -> list[AuditEvent]:
    stmt = (select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.seq))
    return list(session.execute(stmt).scalars())
