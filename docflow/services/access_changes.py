"""Changes of access rights stay flagged until a leader confirms them (Decree 30/2020/NĐ-CP, Annex VI).

The audit log is the record: a change of rights is an event (a user created, given another role or
department, deactivated or reactivated; a document access grant; a delegation made or revoked; a signing
certificate issued or revoked), and its
confirmation is another event (ACCESS_CHANGE_CONFIRMED, object ``audit_event``/seq). So nothing here can
be edited away, and an unconfirmed change is simply one no confirmation points at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from docflow.errors import N_, InvalidTransitionError, NotFoundError, PermissionDeniedError
from docflow.models import AuditEvent, Role, User
from docflow.services import audit
from docflow.services.audit import AuditAction

PERMISSION_ACTIONS = (AuditAction.USER_CREATED, AuditAction.USER_UPDATED, AuditAction.USER_DEACTIVATED,
                      AuditAction.USER_REACTIVATED, AuditAction.DOCUMENT_ACCESS_GRANTED,
                      AuditAction.DELEGATION_CREATED, AuditAction.DELEGATION_REVOKED, AuditAction.CERTIFICATE_ISSUED,
                      AuditAction.CERTIFICATE_REVOKED)
# A user update changes rights only when it touches what access is decided by.
RIGHTS_FIELDS = frozenset({"role", "department_id"})
CONFIRMED_OBJECT = "audit_event"


@dataclass(frozen=True)
class AccessChange:
    event: AuditEvent

    @property
    def summary(self) -> str:
        """An English msgid naming the kind of change (translated where shown)."""
        return {
            AuditAction.USER_CREATED: N_("Account created"),
            AuditAction.USER_UPDATED: N_("Role or department changed"),
            AuditAction.USER_DEACTIVATED: N_("Account deactivated"),
            AuditAction.USER_REACTIVATED: N_("Account reactivated"),
            AuditAction.DOCUMENT_ACCESS_GRANTED: N_("Access to a document granted"),
            AuditAction.DELEGATION_CREATED: N_("Delegation of signing authority made"),
            AuditAction.DELEGATION_REVOKED: N_("Delegation of signing authority revoked"),
            AuditAction.CERTIFICATE_ISSUED: N_("Signing certificate issued"),
            AuditAction.CERTIFICATE_REVOKED: N_("Signing certificate revoked"),
        }.get(AuditAction(self.event.action), N_("Access rights changed"))


def can_confirm(user: User) -> bool:
    """Only the chairman and the vice-chairmen (role leader) confirm changes of access rights."""
    return user.is_active and user.role is Role.LEADER


def is_rights_change(event: AuditEvent) -> bool:
    if event.action not in PERMISSION_ACTIONS:
        return False
    if event.action == AuditAction.USER_UPDATED:
        return bool(RIGHTS_FIELDS & set((event.details.get("changes") or {}).keys()))
    return True


def concerns(event: AuditEvent, user: User) -> bool:
    """Whether a change of rights is about ``user``: their account, a clearance or delegation given to them."""
    details = event.details
    return ((event.object_type == "user" and event.object_id == str(user.id))
            or details.get("user_id") == user.id or details.get("delegate") == user.username
            or details.get("delegate_id") == user.id)


def _confirmed_seqs() -> Select[str]:
    return select(AuditEvent.object_id).where(AuditEvent.action == str(AuditAction.ACCESS_CHANGE_CONFIRMED),
                                              AuditEvent.object_type == CONFIRMED_OBJECT)


def unconfirmed_changes(session: Session, *, actor: User, limit: int = 200) -> list[AccessChange]:
    """Changes of access rights no leader has confirmed yet, oldest first. Raises PermissionDeniedError
    for roles that neither confirm nor audit. Reads only."""
    if not (can_confirm(actor) or (actor.is_active and actor.role in (Role.AUDITOR, Role.ADMIN))):
        raise PermissionDeniedError(N_("Only leaders confirm changes of access rights."))
    confirmed = set(session.execute(_confirmed_seqs()).scalars())
    changes: list[AccessChange] = []
    stmt = (select(AuditEvent).where(AuditEvent.action.in_([str(a) for a in PERMISSION_ACTIONS]))
            .order_by(AuditEvent.seq))
    for event in session.execute(stmt.execution_options(yield_per=500)).scalars():
        if str(event.seq) not in confirmed and is_rights_change(event):
            changes.append(AccessChange(event))
            if len(changes) >= limit:
                break
    return changes


def confirm_change(session: Session, *, actor: User, seq: int, now: datetime | None = None) -> AuditEvent:
    """A leader confirms the change of rights recorded as event ``seq``; the confirmation is audited. A
    leader does not confirm a change he or she made. Raises PermissionDeniedError, NotFoundError,
    InvalidTransitionError (already confirmed). Flushes."""
    if not can_confirm(actor):
        raise PermissionDeniedError(N_("Only leaders confirm changes of access rights."))
    # The chain's lock first: two leaders confirming at once queue here, and the second sees the first.
    audit.lock_chain(session)
    event = session.execute(select(AuditEvent).where(AuditEvent.seq == seq)).scalar_one_or_none()
    if event is None or not is_rights_change(event):
        raise NotFoundError(N_("This change of access rights does not exist."))
    if event.actor_id == actor.id or concerns(event, actor):
        raise PermissionDeniedError(N_("Another leader must confirm a change you made yourself or that "
                                       "concerns you."))
    if str(seq) in set(session.execute(_confirmed_seqs().where(AuditEvent.object_id == str(seq))).scalars()):
        raise InvalidTransitionError(N_("This change has already been confirmed."))
    return audit.record(session, action=AuditAction.ACCESS_CHANGE_CONFIRMED, actor=actor,
                        object_type=CONFIRMED_OBJECT, object_id=seq, now=now,
                        details={"action": event.action, "object_type": event.object_type,
                                 "object_id": event.object_id, "changed_by": event.actor_name})
