"""Record audit events into the hash chain and verify the chain stored in the database.

Each event's hash is SHA-256 over the previous event's hash and the SHA-256 of the event's canonical
content (``docflow.auditlog.chain``), so changing, removing, inserting or reordering any row breaks the
chain at that row, and signed checkpoints (``docflow.services.audit.checkpoints``) show even a chain
recomputed after the fact. Writers lock the single ``audit_head`` row, which keeps the chain one line under
concurrent transactions. The database refuses UPDATE and DELETE on the log (migration 0006).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.auditlog.chain import (
    GENESIS_HASH,
    ChainReport,
    ChainVerifier,
    canonical_bytes,
    canonical_json,
    chain_hash,
    content_sha256,
)
from docflow.auditlog.checkpoints import Checkpoint, Trust
from docflow.auditlog.rows import row_select_sql
from docflow.models import AuditCheckpoint, AuditEvent, AuditHead, User, utc_now
from docflow.services.audit.actions import AuditAction
from docflow.services.audit.parallel import verify_in_parallel

# session.info key of the object that signs checkpoints (services.audit.checkpoints.Checkpointer).
CHECKPOINTER = "docflow.audit_checkpointer"


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
    (``audit.checkpoints.trust_for(settings)``), against every signed checkpoint in the range. Read-only.

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
    report = verify_in_parallel(session, start, end, anchor, (head.seq, head.hash) if to_seq is None else None,
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
