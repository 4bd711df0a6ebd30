"""Record audit events into their ward's hash chain and verify a ward's chain stored in the database.

Each ward has a chain of its own (issue 16): its events are numbered 1, 2, … within the ward and each
event's hash is SHA-256 over the previous event's hash and the SHA-256 of the event's canonical content,
which names the ward (``docflow.auditlog.chain``), so changing, removing, inserting, reordering or moving any
row to another ward's chain breaks the chain at that row, and signed checkpoints
(``docflow.services.audit.checkpoints``) show even a chain recomputed after the fact. Writers lock their
ward's ``audit_head`` row, which keeps each chain one line under concurrent transactions while two wards
never wait on each other. The database refuses UPDATE and DELETE on the log (migrations 0006, 0039).

Which chain an event goes into (``record``): the ``organisation_id`` the caller names, else the bound ward
(``docflow.wards``), else the actor's ward, else the ward the command line named, else the first ward (a
deployment with one ward: its only one; with several, an event nobody acts for, such as a system job run with
no ward bound, goes into the first ward's chain rather than being lost).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from docflow import wards

from docflow.auditlog.chain import (
    GENESIS_HASH,
    ChainProblem,
    ChainReport,
    ChainVerifier,
    canonical_bytes,
    canonical_json,
    chain_hash,
    content_sha256,
    ProblemKind,
)
from docflow.auditlog.checkpoints import Checkpoint, Trust
from docflow.auditlog.rows import row_select_sql
from docflow.errors import N_, ConfigurationError, NotFoundError, ValidationError
from docflow.models import AuditCheckpoint, AuditEvent, AuditHead, Organisation, User, utc_now
from docflow.models.audit import HASH_WITH_WARD
from docflow.services.audit.actions import AuditAction
from docflow.services.audit.parallel import verify_in_parallel

# session.info key of the object that signs checkpoints (services.audit.checkpoints.Checkpointer).
CHECKPOINTER = "docflow.audit_checkpointer"


def event_content(event: Any) -> bytes:
    """Canonical bytes of a stored event (an ORM row or a plain row with the same attributes)."""
    return canonical_bytes(seq=event.seq, occurred_at=event.occurred_at, actor_id=event.actor_id,
                           actor_name=event.actor_name, action=event.action,
                           object_type=event.object_type, object_id=event.object_id,
                           details=event.details,
                           organisation_id=event.organisation_id if event.hash_format == HASH_WITH_WARD else None)


def event_hash(prev_hash: str, content: bytes) -> str:
    """The chain hash of an event with canonical ``content`` written after ``prev_hash``."""
    return chain_hash(prev_hash, content_sha256(content))


def chain_ward(session: Session, organisation_id: int | None = None) -> int:
    """The ward whose chain is read: ``organisation_id``, else the ward the work in hand acts for (bound, or
    named on the command line), else the deployment's only ward. Raises ValidationError when several wards
    exist and nothing names one, NotFoundError for an unknown ward code or before `docflow init`."""
    named = organisation_id if organisation_id is not None else _named_ward(session)
    if named is not None:
        return named
    first_two = list(session.execute(select(Organisation.id).order_by(Organisation.id).limit(2)).scalars())
    if len(first_two) > 1:
        raise ValidationError(N_("This deployment serves several wards: name one with `docflow --ward CODE` "
                                 "(see `docflow wards list`)."))
    if not first_two:
        raise NotFoundError(N_("docflow is not initialised yet: run `docflow init`."))
    return int(first_two[0])


def _named_ward(session: Session) -> int | None:
    """The bound ward, else the ward the command line named (``docflow.wards``), else None."""
    bound = wards.current_ward_id()
    if bound is not None:
        return bound
    code = wards.requested_code()
    if code is None:
        return None
    named = session.execute(select(Organisation.id).where(Organisation.code == code)).scalar()
    if named is None:
        raise NotFoundError(N_("There is no ward with the code %(code)s (see `docflow wards list`)."), code=code)
    return int(named)


def ward_to_write(session: Session, organisation_id: int | None, actor: User | None) -> int:
    """The ward whose chain an event goes into (see the module's docstring)."""
    if organisation_id is not None:
        return organisation_id
    bound = wards.current_ward_id()
    if bound is not None:
        return bound
    if actor is not None and actor.organisation_id is not None:
        return actor.organisation_id
    named = _named_ward(session)
    if named is not None:
        return named
    first = session.execute(select(func.min(Organisation.id))).scalar()
    if first is None:
        raise ConfigurationError("there is no ward to record audit events for: run `docflow init`")
    return int(first)


def lock_chain(session: Session, organisation_id: int | None = None, *, actor: User | None = None) -> AuditHead:
    """Take the write lock of a ward's chain for the rest of the transaction (SELECT … FOR UPDATE on its
    head; the head is made, empty, with the ward's first event): the chain ``record`` would write an event
    of ``actor`` to, or ``organisation_id``'s. Other wards' chains stay unlocked.

    ``populate_existing`` matters: sessions keep objects across commits (expire_on_commit=False), and
    a head remembered from an earlier transaction would fork the chain.
    """
    organisation_id = ward_to_write(session, organisation_id, actor)
    stmt = (select(AuditHead).where(AuditHead.organisation_id == organisation_id).with_for_update()
            .execution_options(populate_existing=True))
    head = session.execute(stmt).scalar_one_or_none()
    if head is not None:
        return head
    # Two first events of a ward at once: one insert wins, the other does nothing and waits on the lock below.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(AuditHead).values(organisation_id=organisation_id, seq=0, hash=GENESIS_HASH,
                                             checkpoint_seq=0)
                    .on_conflict_do_nothing(index_elements=["organisation_id"]))
    return session.execute(stmt).scalar_one()


def read_head(session: Session, organisation_id: int) -> AuditHead | None:
    """The ward's chain head as committed now (no lock); None before the ward's first event."""
    return session.execute(select(AuditHead).where(AuditHead.organisation_id == organisation_id)
                           .execution_options(populate_existing=True)).scalar_one_or_none()


def record(
    session: Session,
    *,
    action: AuditAction,
    actor: User | None,
    object_type: str = "",
    object_id: int | str | None = None,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
    organisation_id: int | None = None,
) -> AuditEvent:
    """Append one event to its ward's chain (``organisation_id``, else see the module's docstring), in the
    caller's transaction, and sign a checkpoint when one is due (never failing the event for it). Flushes.

    ``details`` must be JSON-serialisable and must never hold secrets (passwords, PINs, keys).
    """
    now = (now or utc_now()).astimezone(UTC)
    # Stored as canonical text (the engine's JSON serialiser), hashed exactly as stored.
    details = json.loads(canonical_json(json.loads(json.dumps(details or {}, ensure_ascii=False, default=str))))
    ward = ward_to_write(session, organisation_id, actor)
    head = lock_chain(session, ward)
    seq = head.seq + 1
    event = AuditEvent(organisation_id=ward, seq=seq, hash_format=HASH_WITH_WARD, occurred_at=now,
                       actor_id=actor.id if actor else None,
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


def iter_row_batches(session: Session, organisation_id: int, start: int, end: int,
                     batch: int = 20_000) -> Iterator[list[tuple[Any, ...]]]:
    """The ward's events ``start``..``end`` as FullRow tuples, ``batch`` at a time, through the driver's own cursor
    (a server-side cursor on PostgreSQL), so a million rows cost neither ORM objects nor memory."""
    connection = session.connection()
    dialect = connection.dialect.name
    raw: Any = connection.connection.driver_connection
    cursor = raw.cursor(name="docflow_audit_rows") if dialect == "postgresql" else raw.cursor()
    try:
        if dialect == "postgresql":
            cursor.itersize = batch
        cursor.execute(row_select_sql(dialect), (organisation_id, start, end))
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()


def load_checkpoints(session: Session, organisation_id: int, start: int, end: int | None) -> list[Checkpoint]:
    """The ward's stored checkpoints with seq in [start, end], oldest first."""
    stmt = (select(AuditCheckpoint).where(AuditCheckpoint.organisation_id == organisation_id,
                                          AuditCheckpoint.seq >= start).order_by(AuditCheckpoint.seq))
    if end is not None:
        stmt = stmt.where(AuditCheckpoint.seq <= end)
    return [as_checkpoint(row) for row in session.execute(stmt).scalars()]


def as_checkpoint(row: AuditCheckpoint) -> Checkpoint:
    return Checkpoint(seq=row.seq, hash=row.hash, created_at=row.created_at, organisation=row.organisation,
                      signature=bytes(row.signature), certificate=bytes(row.certificate),
                      timestamp_token=bytes(row.timestamp_token) if row.timestamp_token is not None else None)


def verify_chain(session: Session, *, from_seq: int | None = None, to_seq: int | None = None,
                 trust: Trust | None = None, batch: int = 20_000, workers: int | None = None,
                 organisation_id: int | None = None) -> ChainReport:
    """Verify a ward's stored chain (``organisation_id``, else the ward the work in hand acts for; optionally
    a range of it) against its head and, with ``trust`` (``audit.checkpoints.trust_for(settings)``), against
    every signed checkpoint in the range. Read-only.

    The report names the first broken position and the checkpoint that proves it; see ``ChainReport``.
    Long ranges of committed rows are verified by ``workers`` processes (default: one per core, at most
    four; 1 turns that off) and, only if something is wrong, again in one pass to say where.
    """
    ward = chain_ward(session, organisation_id)
    start = from_seq or 1
    anchor: str | None = GENESIS_HASH
    if start > 1:
        anchor = session.execute(select(AuditEvent.hash).where(AuditEvent.organisation_id == ward,
                                                               AuditEvent.seq == start - 1)).scalar()

    # The head is read first and the rows only up to it: events committed while we read are not
    # part of this check, so they cannot look like a truncated chain.
    head, head_seq = _head_to_verify(session, ward)
    end = head_seq if to_seq is None else to_seq
    whole = head if to_seq is None else None
    checkpoints = load_checkpoints(session, ward, start, end) if trust is not None else []
    report = verify_in_parallel(session, ward, start, end, anchor, whole, checkpoints, trust, workers)
    if report is None:
        report = _verify_in_one_pass(session, ward, start, end, anchor, whole, checkpoints, trust, batch)
    problem, proving = report.problem, report.proving_checkpoint_seq
    if problem is None and head is None:
        problem = ChainProblem(head_seq, ProblemKind.TRUNCATED,
                               f"the ward's chain head is missing: its events end at {head_seq} but no head says so")
    elif problem is None and head is not None and to_seq is None:
        problem = _beyond_head(session, ward, *head)
    notes = list(report.notes)
    if trust is not None and not checkpoints:
        notes.append("no checkpoints")
    if trust is not None and checkpoints and not trust.revocation_checked:
        notes.append("revocation not checked: no CRL available")
    return ChainReport(report.checked, report.first_seq, report.last_seq, problem, proving,
                       report.checkpoints_checked, report.last_checkpoint, tuple(notes))


def _head_to_verify(session: Session, ward: int) -> tuple[tuple[int, str] | None, int]:
    """(the head's seq and hash, the seq to verify up to): an empty chain has no head row yet (0, genesis);
    events without a head row mean the head was removed (None, the last event's seq)."""
    row = read_head(session, ward)
    if row is not None:
        return (row.seq, row.hash), row.seq
    last = session.execute(select(func.max(AuditEvent.seq)).where(AuditEvent.organisation_id == ward)).scalar()
    return (None, int(last)) if last else ((0, GENESIS_HASH), 0)


def _beyond_head(session: Session, ward: int, head_seq: int, head_hash: str) -> ChainProblem | None:
    """A row past the head that does not continue it: put into this ward's chain from elsewhere (an event
    committed since the head was read continues it and is no problem)."""
    event = session.execute(select(AuditEvent).where(AuditEvent.organisation_id == ward, AuditEvent.seq > head_seq)
                            .order_by(AuditEvent.seq).limit(1)).scalar_one_or_none()
    if event is None or (event.seq == head_seq + 1 and event.prev_hash == head_hash
                         and event_hash(head_hash, event_content(event)) == event.hash):
        return None
    return ChainProblem(event.seq, ProblemKind.INSERTED,
                        f"event {event.seq} stands past the chain head ({head_seq}) and does not continue it")


def _verify_in_one_pass(session: Session, ward: int, start: int, end: int, anchor: str | None,
                        head: tuple[int, str] | None, checkpoints: list[Checkpoint], trust: Trust | None,
                        batch: int) -> ChainReport:
    def locate(digest: str) -> int | None:
        return session.execute(select(AuditEvent.seq).where(AuditEvent.organisation_id == ward,
                                                            AuditEvent.hash == digest).limit(1)).scalar()

    verifier = ChainVerifier(start_prev_hash=anchor, first_seq=start, checkpoints=checkpoints,
                             check=trust.check if trust is not None else None, locate=locate)
    for rows in iter_row_batches(session, ward, start, end, batch):
        verifier.feed(rows)
        if verifier.done:
            break
    return verifier.finish(head=head)


def events_for(session: Session, *, object_type: str, object_id: int | str) -> list[AuditEvent]:
    stmt = (select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.seq))
    return list(session.execute(stmt).scalars())
