"""Changes of access rights stay flagged until a leader confirms them (Decree 30/2020/NĐ-CP, Annex VI).

The audit log is the record: a change of rights is an event (a user created, given another role or
department, deactivated or reactivated; a document access grant; a delegation made or revoked; a signing
certificate issued or revoked), and its
confirmation is another event (ACCESS_CHANGE_CONFIRMED, object ``audit_event``/seq). So nothing here can
be edited away, and an unconfirmed change is simply one no confirmation points at.

Two changes open a confidential document to people not cleared for it, and so are only *proposed* until
another leader confirms them: lowering its confidentiality, and forwarding it to another department. The
confirmation carries them out; a leader may instead decline one (ACCESS_CHANGE_DECLINED), which undoes the
proposal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.errors import (N_, DocflowError, InvalidTransitionError, NotFoundError, PermissionDeniedError,
                            ValidationError)
from docflow.models import AuditEvent, Certificate, Confidentiality, Delegation, Document, User
from docflow.services import audit, documents, incoming
from docflow.services.audit import AuditAction

PROPOSALS = (AuditAction.CONFIDENTIALITY_LOWERING_PROPOSED, AuditAction.ASSIGNMENT_FORWARD_PROPOSED)
PERMISSION_ACTIONS = (AuditAction.USER_CREATED, AuditAction.USER_UPDATED, AuditAction.USER_DEACTIVATED,
                      AuditAction.USER_REACTIVATED, AuditAction.DOCUMENT_ACCESS_GRANTED,
                      AuditAction.DELEGATION_CREATED, AuditAction.DELEGATION_REVOKED, AuditAction.CERTIFICATE_ISSUED,
                      AuditAction.CERTIFICATE_REVOKED, *PROPOSALS)
# A user update changes rights only when it touches what access is decided by.
RIGHTS_FIELDS = frozenset({"role", "department_id"})
CONFIRMED_OBJECT = "audit_event"


@dataclass(frozen=True)
class AccessChange:
    event: AuditEvent

    @property
    def is_proposal(self) -> bool:
        """Whether the change waits for the confirmation to take effect (and may be declined)."""
        return self.event.action in PROPOSALS

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
            AuditAction.CONFIDENTIALITY_LOWERING_PROPOSED: N_("Lowering of a document's confidentiality "
                                                              "(takes effect when confirmed)"),
            AuditAction.ASSIGNMENT_FORWARD_PROPOSED: N_("Confidential document forwarded to another department "
                                                        "(takes effect when confirmed)"),
        }.get(AuditAction(self.event.action), N_("Access rights changed"))


def is_rights_change(event: AuditEvent) -> bool:
    if event.action not in PERMISSION_ACTIONS:
        return False
    if event.action == AuditAction.USER_UPDATED:
        return bool(RIGHTS_FIELDS & set((event.details.get("changes") or {}).keys()))
    # A grant that carries out a confirmed proposal was confirmed with it.
    return not (event.action == AuditAction.DOCUMENT_ACCESS_GRANTED and "confirms" in event.details)


def concerns(event: AuditEvent, user: User) -> bool:
    """Whether a change of rights is about ``user``: their account, a clearance or delegation given to them."""
    details = event.details
    return ((event.object_type == "user" and event.object_id == str(user.id))
            or details.get("user_id") == user.id or details.get("delegate") == user.username
            or details.get("delegate_id") == user.id or details.get("to_user_id") == user.id)


def _confirmed_seqs(ward: int) -> Select[str]:
    """The ward's changes confirmed, or (proposals only) declined: nothing is left for a leader to do on them.
    A change is named by its position in the ward's audit chain (each ward has a chain of its own)."""
    return select(AuditEvent.object_id).where(
        AuditEvent.organisation_id == ward,
        AuditEvent.action.in_([str(AuditAction.ACCESS_CHANGE_CONFIRMED), str(AuditAction.ACCESS_CHANGE_DECLINED)]),
        AuditEvent.object_type == CONFIRMED_OBJECT)


def unconfirmed_changes(session: Session, *, actor: User, limit: int = 200) -> list[AccessChange]:
    """Changes of access rights no leader has confirmed yet, oldest first. Raises PermissionDeniedError
    for roles that neither confirm nor audit. Reads only."""
    if not policy.may_read_access_changes(actor):
        raise PermissionDeniedError(N_("Only leaders confirm changes of access rights."))
    confirmed = set(session.execute(_confirmed_seqs(actor.organisation_id)).scalars())
    changes: list[AccessChange] = []
    # The ward's own changes: made by one of its people, or (no actor: the command line) about its objects.
    stmt = (select(AuditEvent).outerjoin(User, User.id == AuditEvent.actor_id)
            .where(AuditEvent.organisation_id == actor.organisation_id,
                   AuditEvent.action.in_([str(a) for a in PERMISSION_ACTIONS]),
                   or_(User.organisation_id == actor.organisation_id, AuditEvent.actor_id.is_(None)))
            .order_by(AuditEvent.seq))
    for event in session.execute(stmt.execution_options(yield_per=500)).scalars():
        if str(event.seq) in confirmed or not is_rights_change(event):
            continue
        # ward_of asks the database: only for the changes still open.
        if event.actor_id is None and ward_of(session, event) != actor.organisation_id:
            continue
        changes.append(AccessChange(event))
        if len(changes) >= limit:
            break
    return changes


def confirm_change(session: Session, *, actor: User, seq: int, now: datetime | None = None) -> AuditEvent:
    """A leader confirms the change of rights recorded as event ``seq``; a proposal takes effect now. The
    confirmation is audited. A leader does not confirm a change he or she made. Raises PermissionDeniedError,
    NotFoundError, InvalidTransitionError (already confirmed or declined, or the proposal no longer applies).
    Flushes."""
    event = _open_change(session, actor=actor, seq=seq)
    if event.action == AuditAction.CONFIDENTIALITY_LOWERING_PROPOSED:
        documents.apply_lowering(session, actor=actor, document_id=int(event.object_id),
                                 before=Confidentiality(event.details["from"]),
                                 after=Confidentiality(event.details["to"]), proposal_seq=event.seq, now=now)
    elif event.action == AuditAction.ASSIGNMENT_FORWARD_PROPOSED:
        incoming.confirm_forward(session, actor=actor, proposal=event, now=now)
    return _settle(session, AuditAction.ACCESS_CHANGE_CONFIRMED, actor=actor, event=event, now=now)


def decline_change(session: Session, *, actor: User, seq: int, now: datetime | None = None) -> AuditEvent:
    """A leader declines a proposed change (a lowering of confidentiality, a forward to another department):
    it never takes effect, and a forwarded assignment goes back to its holder. Audited. Raises
    PermissionDeniedError, NotFoundError, InvalidTransitionError (not a proposal, or settled). Flushes."""
    event = _open_change(session, actor=actor, seq=seq)
    if event.action not in PROPOSALS:
        raise InvalidTransitionError(N_("Only a proposed change can be declined; this one has taken effect."))
    if event.action == AuditAction.ASSIGNMENT_FORWARD_PROPOSED:
        incoming.decline_forward(session, actor=actor, proposal=event, now=now)
    return _settle(session, AuditAction.ACCESS_CHANGE_DECLINED, actor=actor, event=event, now=now)


def confirm_changes(session: Session, *, actor: User, seqs: list[int],
                    now: datetime | None = None) -> list[AuditEvent]:
    """A leader confirms several changes at once after reviewing them, each exactly as ``confirm_change`` does
    (and audited as it is). All or nothing: the first change that cannot be confirmed raises its error, with
    ``seq`` added to its params, and the caller's rollback undoes the others. Raises ValidationError (no
    change chosen) and what ``confirm_change`` raises. Flushes."""
    if not policy.may_confirm_access_changes(actor):
        raise PermissionDeniedError(N_("Only leaders confirm changes of access rights."))
    chosen = sorted(set(seqs))
    if not chosen:
        raise ValidationError(N_("Choose at least one change to confirm."), field="seq")
    # The documents of the chosen proposals first, in id order: from the second change on, the chain's lock is
    # already held, and a document row taken after it would break the house order (document rows before the
    # chain's lock) and could deadlock with another batch or a document edit.
    proposed = session.execute(select(AuditEvent.object_id).where(
        AuditEvent.organisation_id == actor.organisation_id, AuditEvent.seq.in_(chosen),
        AuditEvent.action.in_([str(a) for a in PROPOSALS]))).scalars()
    for document_id in sorted({int(i) for i in proposed if i.isdigit()}):
        documents.get_document(session, document_id, lock=True)
    confirmations = []
    for seq in chosen:
        try:
            confirmations.append(confirm_change(session, actor=actor, seq=seq, now=now))
        except DocflowError as error:
            error.params.setdefault("seq", seq)
            raise
    return confirmations


def ward_of(session: Session, event: AuditEvent) -> int | None:
    """The ward a change of rights belongs to: its author's, or for a change made from the command line the
    ward of the account, document, certificate or delegation it is about."""
    if event.actor_id is not None:
        return session.execute(select(User.organisation_id).where(User.id == event.actor_id)).scalar()
    models: dict[str, type[User] | type[Document] | type[Certificate] | type[Delegation]] = {
        "user": User, "document": Document, "certificate": Certificate, "delegation": Delegation}
    model = models.get(event.object_type)
    if model is None or not event.object_id.isdigit():
        return None
    return session.execute(select(model.organisation_id).where(model.id == int(event.object_id))).scalar()


def _open_change(session: Session, *, actor: User, seq: int) -> AuditEvent:
    """The unsettled change ``seq`` that ``actor`` may settle, with the locks taken in the house order."""
    if not policy.may_confirm_access_changes(actor):
        raise PermissionDeniedError(N_("Only leaders confirm changes of access rights."))
    event = session.execute(select(AuditEvent).where(AuditEvent.organisation_id == actor.organisation_id,
                                                     AuditEvent.seq == seq)).scalar_one_or_none()
    if event is None or not is_rights_change(event) or ward_of(session, event) != actor.organisation_id:
        raise NotFoundError(N_("This change of access rights does not exist."))
    if event.actor_id == actor.id or concerns(event, actor):
        raise PermissionDeniedError(N_("Another leader must confirm a change you made yourself or that "
                                       "concerns you."))
    if event.action in PROPOSALS:
        # The document's row before the chain's lock, as every document action takes them (no deadlock).
        documents.get_document(session, int(event.object_id), lock=True)
    # The chain's lock next: two leaders settling at once queue here, and the second sees the first.
    audit.lock_chain(session, actor=actor)
    settled = _confirmed_seqs(actor.organisation_id).where(AuditEvent.object_id == str(seq))
    if str(seq) in set(session.execute(settled).scalars()):
        raise InvalidTransitionError(N_("This change has already been confirmed."))
    return event


def _settle(session: Session, action: AuditAction, *, actor: User, event: AuditEvent,
            now: datetime | None) -> AuditEvent:
    return audit.record(session, action=action, actor=actor, object_type=CONFIRMED_OBJECT, object_id=event.seq,
                        now=now, organisation_id=event.organisation_id,
                        details={"action": event.action, "object_type": event.object_type,
                                 "object_id": event.object_id, "changed_by": event.actor_name})
