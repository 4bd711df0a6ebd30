"""Searching the audit log for auditors: by user, document, action and time, newest first, a page at a time
by sequence number (keyset: ``before`` is the last seq shown, so a page costs the same at any depth). An auditor
reads the chain of their own ward only: every query leads with it (and the indexes do too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from docflow import policy, textsearch
from docflow.config import local_midnight
from docflow.auditlog.checkpoints import Trust, verify_checkpoint
from docflow.errors import N_, PermissionDeniedError
from docflow.models import AuditCheckpoint, AuditEvent, User
from docflow.services.audit.actions import AuditAction
from docflow.services.audit.log import as_checkpoint

PAGE = 50


@dataclass(frozen=True)
class AuditQuery:
    user: str = ""                    # a username, part of a full name, or an actor name such as "system"
    document_id: int | None = None
    action: str = ""
    date_from: date | None = None     # the ward's calendar days, both included
    date_to: date | None = None
    before: int | None = None         # the keyset: only events with a smaller seq

    def as_args(self) -> dict[str, str]:
        """The query as URL arguments (without ``before``), for the next page's link."""
        args = {"user": self.user, "document": str(self.document_id or ""), "action": self.action,
                "from": self.date_from.isoformat() if self.date_from else "",
                "to": self.date_to.isoformat() if self.date_to else ""}
        return {k: v for k, v in args.items() if v}


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_before: int | None           # pass as ``before`` for the next (older) page; None: the last page


def _conditions(session: Session, ward: int, query: AuditQuery, tz: tzinfo) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [AuditEvent.organisation_id == ward]
    if query.user:
        where.append(_person(session, ward, query.user.strip()))
    if query.document_id is not None:
        where += [AuditEvent.object_type == "document", AuditEvent.object_id == str(query.document_id)]
    if query.action:
        where.append(AuditEvent.action == query.action)
    if query.date_from is not None:
        where.append(AuditEvent.occurred_at >= local_midnight(query.date_from, tz))
    if query.date_to is not None:
        where.append(AuditEvent.occurred_at < local_midnight(query.date_to + timedelta(days=1), tz))
    if query.before is not None:
        where.append(AuditEvent.seq < query.before)
    return where


def _person(session: Session, ward: int, text: str) -> ColumnElement[bool]:
    """Events by a person of the ward named by username, else by (part of) the full name, else by the actor's
    name as logged (such as "system")."""
    user_id = session.execute(select(User.id).where(User.organisation_id == ward, User.username == text)).scalar()
    if user_id is not None:
        return AuditEvent.actor_id == user_id
    pattern = textsearch.contains_pattern(text)
    ids = list(session.execute(select(User.id).where(User.organisation_id == ward,
                                                     User.full_name.ilike(pattern, escape="\\"))
                               .limit(200)).scalars())
    return AuditEvent.actor_id.in_(ids) if ids else AuditEvent.actor_name == text


def search_events(session: Session, *, actor: User, query: AuditQuery, tz: tzinfo,
                  page_size: int | None = None) -> AuditPage:
    """One page of the events of the actor's ward matching ``query``, newest first. Raises
    PermissionDeniedError. Reads only."""
    if not policy.may_read_audit_log(actor):
        raise PermissionDeniedError(N_("Only auditors and administrators read the audit log."))
    page_size = page_size or PAGE
    stmt = (select(AuditEvent).where(*_conditions(session, actor.organisation_id, query, tz))
            .order_by(AuditEvent.seq.desc()).limit(page_size + 1))
    events = list(session.execute(stmt).scalars())
    more = len(events) > page_size
    events = events[:page_size]
    return AuditPage(events=events, next_before=events[-1].seq if more else None)


def known_actions(session: Session) -> list[str]:
    """Every action string the log can hold, for the search form's choices."""
    return sorted(str(a) for a in AuditAction)


@dataclass(frozen=True)
class CheckpointRow:
    seq: int
    hash: str
    created_at: datetime
    signer: str
    timestamped_at: datetime | None
    valid: bool
    problem: str


def list_checkpoints(session: Session, *, actor: User, trust: Trust, before: int | None = None,
                     page_size: int | None = None) -> tuple[list[CheckpointRow], int | None]:
    """The actor's ward's signed checkpoints, newest first, each verified against ``trust`` (signature, path to
    the ward's root, timestamp); and the ``before`` of the next page. Raises PermissionDeniedError. Reads only."""
    if not policy.may_read_audit_log(actor):
        raise PermissionDeniedError(N_("Only auditors and administrators read the audit log."))
    page_size = page_size or PAGE
    stmt = (select(AuditCheckpoint).where(AuditCheckpoint.organisation_id == actor.organisation_id)
            .order_by(AuditCheckpoint.seq.desc()).limit(page_size + 1))
    if before is not None:
        stmt = stmt.where(AuditCheckpoint.seq < before)
    found = list(session.execute(stmt).scalars())
    rows = []
    for stored in found[:page_size]:
        check = verify_checkpoint(as_checkpoint(stored), trust)
        rows.append(CheckpointRow(stored.seq, stored.hash, stored.created_at, check.signer, check.timestamped_at,
                                  check.valid, check.problem))
    return rows, (rows[-1].seq if len(found) > page_size else None)
