"""The delegation register: who may sign which documents, on whose authority, in which mode (Decree 30,
Article 13 and Annex I), and the signing authority a signature block and the entitlement check come from."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from docflow import doctypes, policy
from docflow.errors import N_, InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import Role, User
from docflow.models.base import utc_now
from docflow.models.routing import Delegation, SigningMode
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.people.delegation_rules import Basis, check_mode

ALL_TYPES = "*"
COMMITTEE = "ỦY BAN NHÂN DÂN"
CHAIRMAN_POST = "CHỦ TỊCH"
VICE_CHAIRMAN_POST = "PHÓ CHỦ TỊCH"
MAX_CHAIN = 5


@dataclass(frozen=True)
class SigningAuthority:
    """What the signature block shows above the signer's name, and where the right to sign comes from.

    ``mode_line`` is the line above the post (Annex I: "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH",
    "TL. CHỦ TỊCH", "TUQ. CHỦ TỊCH"); ``post`` is the signer's own post in capitals ("PHÓ CHỦ TỊCH",
    "CHÁNH VĂN PHÒNG", "Q. CHỦ TỊCH"). ``delegation_id`` is None under the ward's standing rule.
    ``collective_line`` stands above a KT. line for the chairman: the committee signs as a body, so the
    block reads "TM. ỦY BAN NHÂN DÂN" / "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH" (Annex I, Art. 13.1)."""
    mode: SigningMode
    mode_line: str
    post: str
    delegation_id: int | None
    collective_line: str = ""


class DelegationState(enum.StrEnum):
    CURRENT = "current"
    UPCOMING = "upcoming"
    EXPIRED = "expired"
    REVOKED = "revoked"


def _folded_post(user: User) -> str:
    return " ".join((user.post or "").split()).casefold()


def is_chairman(user: User) -> bool:
    return user.role is Role.LEADER and _folded_post(user).startswith("chủ tịch")


def is_vice_chairman(user: User) -> bool:
    return user.role is Role.LEADER and _folded_post(user).startswith("phó chủ tịch")


def type_codes(delegation: Delegation) -> frozenset[str]:
    return frozenset(code.strip() for code in delegation.doc_types.split(",") if code.strip())


def covers_type(delegation: Delegation, doc_type: str) -> bool:
    codes = type_codes(delegation)
    return ALL_TYPES in codes or doc_type in codes


def state_of(delegation: Delegation, on: date) -> DelegationState:
    if delegation.revoked_at is not None:
        return DelegationState.REVOKED
    if on < delegation.valid_from:
        return DelegationState.UPCOMING
    if delegation.valid_to is not None and on > delegation.valid_to:
        return DelegationState.EXPIRED
    return DelegationState.CURRENT


def _chain_valid(session: Session, delegation: Delegation, doc_type: str, on: date) -> bool:
    """A delegation passed on holds only while every link above it holds for that type and day."""
    link: Delegation | None = delegation
    for _ in range(MAX_CHAIN):
        if link is None:
            return True
        if state_of(link, on) is not DelegationState.CURRENT or not covers_type(link, doc_type):
            return False
        if not link.delegate.is_active:
            return False
        link = session.get(Delegation, link.parent_id) if link.parent_id is not None else None
    return False


def _upper(text: str) -> str:
    return " ".join(text.split()).upper()


def _principal_post(delegation: Delegation) -> str:
    delegator = delegation.delegator
    return _upper(delegator.post) if delegator is not None and delegator.post.strip() else CHAIRMAN_POST


def authority_from(delegation: Delegation) -> SigningAuthority:
    """The signature block a delegation gives its delegate."""
    own_post = _upper(delegation.delegate.post)
    principal = _principal_post(delegation)
    mode = delegation.mode
    if mode is SigningMode.TM:
        return SigningAuthority(mode, f"TM. {COMMITTEE}", own_post or CHAIRMAN_POST, delegation.id)
    if mode is SigningMode.Q:
        # An acting chairman signs for the committee as "Q. CHỦ TỊCH" (Annex I: "Q. Giám đốc").
        return SigningAuthority(mode, f"TM. {COMMITTEE}", f"Q. {principal}", delegation.id)
    collective = f"TM. {COMMITTEE}" if mode is SigningMode.KT and principal == CHAIRMAN_POST else ""
    return SigningAuthority(mode, f"{mode.value}. {principal}", own_post, delegation.id, collective)


def standing_authority(signer: User) -> SigningAuthority | None:
    """The ward's standing rule, with no delegation row: the chairman signs for the committee (TM.) and a
    vice-chairman in the chairman's place (KT.), for every document type."""
    if is_chairman(signer):
        return SigningAuthority(SigningMode.TM, f"TM. {COMMITTEE}", CHAIRMAN_POST, None)
    if is_vice_chairman(signer):
        return SigningAuthority(SigningMode.KT, f"KT. {CHAIRMAN_POST}", VICE_CHAIRMAN_POST, None, f"TM. {COMMITTEE}")
    return None


def find_delegation_for(session: Session, *, signer: User, doc_type: str, on: date) -> Delegation | None:
    """The signer's delegation valid for ``doc_type`` on ``on`` (the latest made), or None."""
    stmt = (select(Delegation)
            .where(Delegation.delegate_id == signer.id, Delegation.organisation_id == signer.organisation_id,
                   Delegation.revoked_at.is_(None), Delegation.valid_from <= on,
                   or_(Delegation.valid_to.is_(None), Delegation.valid_to >= on))
            .options(selectinload(Delegation.delegator), selectinload(Delegation.delegate))
            .order_by(Delegation.created_at.desc(), Delegation.id.desc()))
    for delegation in session.execute(stmt).scalars():
        if _chain_valid(session, delegation, doc_type, on):
            return delegation
    return None


def signing_mode_for(session: Session, *, signer: User, doc_type: str, on: date) -> SigningAuthority:
    """How ``signer`` signs a document of ``doc_type`` on ``on``: a valid delegation first (an acting
    chairman's Q. outranks a vice-chairman's standing KT.), else the standing rule for the chairman and
    vice-chairmen. Raises PermissionDeniedError when neither entitles the signer. Reads only."""
    if signer.is_active:
        delegation = find_delegation_for(session, signer=signer, doc_type=doc_type, on=on)
        if delegation is not None:
            return authority_from(delegation)
        standing = standing_authority(signer)
        if standing is not None:
            return standing
    raise PermissionDeniedError(
        N_("%(name)s is not entitled to sign this type of document on %(date)s: there is no valid delegation."),
        name=signer.full_name, date=on.strftime("%d/%m/%Y"))


def can_sign(session: Session, *, signer: User, doc_type: str, on: date) -> bool:
    try:
        signing_mode_for(session, signer=signer, doc_type=doc_type, on=on)
    except PermissionDeniedError:
        return False
    return True


# --- the register -------------------------------------------------------------------------------------

def _user_in_org(session: Session, user_id: int | None, actor: User, field: str) -> User:
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or user.organisation_id != actor.organisation_id:
        raise ValidationError(N_("Choose a user of the ward."), field=field)
    return user


def _clean_types(doc_types: list[str] | None) -> str:
    codes = [c.strip() for c in (doc_types or []) if c.strip()]
    if not codes or ALL_TYPES in codes:
        return ALL_TYPES
    unknown = [c for c in codes if doctypes.get_type(c) is None]
    if unknown:
        raise ValidationError(N_("Unknown document type: %(code)s."), field="doc_types", code=unknown[0])
    return ",".join(sorted(set(codes)))


def _check_parent(parent: Delegation, *, delegator: User, types: str, valid_from: date,
                  valid_to: date | None) -> None:
    if parent.mode is SigningMode.TUQ:
        # Decree 30, Art. 13(4): authority received by TUQ. cannot be authorised on to anyone else.
        raise ValidationError(N_("A TUQ. delegation cannot be passed on."), field="parent_id")
    if parent.revoked_at is not None:
        raise ValidationError(N_("The delegation to pass on has been revoked."), field="parent_id")
    if parent.delegate_id != delegator.id:
        raise ValidationError(N_("Only the holder of a delegation can pass it on."), field="parent_id")
    inside = valid_from >= parent.valid_from and (
        parent.valid_to is None or (valid_to is not None and valid_to <= parent.valid_to))
    if not inside:
        raise ValidationError(N_("A delegation passed on must lie within the dates of the one it comes from."),
                              field="valid_to")
    parent_types = type_codes(parent)
    if ALL_TYPES not in parent_types and (types == ALL_TYPES or not set(types.split(",")) <= parent_types):
        raise ValidationError(N_("A delegation passed on cannot cover more document types than the one it "
                                 "comes from."), field="doc_types")


def create_delegation(
    session: Session,
    *,
    actor: User,
    delegate_id: int,
    delegator_id: int,
    mode: SigningMode,
    doc_types: list[str] | None,
    valid_from: date,
    valid_to: date | None,
    parent_id: int | None = None,
    basis: Basis | None = None,
    now: datetime | None = None,
) -> Delegation:
    """Record that ``delegate`` may sign ``doc_types`` (None or ["*"]: all) on ``delegator``'s authority in
    ``mode`` from ``valid_from`` to ``valid_to`` (None: until revoked). A leader delegates his own authority
    (or passes on one he holds); an admin records any. KT. goes only to the delegator's deputy; TUQ. needs
    ``basis`` (the authorising document) and an end date (delegation_rules). Raises PermissionDeniedError,
    ValidationError. Flushes."""
    delegate, delegator = _parties(session, actor=actor, delegate_id=delegate_id, delegator_id=delegator_id)
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError(N_("The end date must not be before the start date."), field="valid_to")
    types = _clean_types(doc_types)
    parent = _parent(session, actor=actor, parent_id=parent_id, delegator=delegator, types=types,
                     valid_from=valid_from, valid_to=valid_to)
    basis = check_mode(session, delegate=delegate, delegator=delegator, mode=mode, parent=parent,
                       valid_to=valid_to, basis=basis or Basis())
    delegation = Delegation(organisation_id=actor.organisation_id, delegate_id=delegate.id,
                            delegator_id=delegator.id, mode=mode, doc_types=types, valid_from=valid_from,
                            valid_to=valid_to, parent_id=parent.id if parent else None, created_by_id=actor.id,
                            created_at=now or utc_now(), basis_document_id=basis.document_id,
                            basis_reference=basis.reference, basis_date=basis.issued_on)
    session.add(delegation)
    session.flush()
    _record_created(session, actor, delegation, now)
    return delegation


def _record_created(session: Session, actor: User, delegation: Delegation, now: datetime | None) -> None:
    d = delegation
    audit.record(session, action=AuditAction.DELEGATION_CREATED, actor=actor, object_type="delegation",
                 object_id=d.id, now=now,
                 details={"delegate": d.delegate.username, "delegator": d.delegator.username if d.delegator else None,
                          "mode": d.mode.value, "doc_types": d.doc_types, "valid_from": d.valid_from.isoformat(),
                          "valid_to": d.valid_to.isoformat() if d.valid_to else None, "parent_id": d.parent_id,
                          "basis_document_id": d.basis_document_id, "basis_reference": d.basis_reference,
                          "basis_date": d.basis_date.isoformat() if d.basis_date else None})


def _parties(session: Session, *, actor: User, delegate_id: int, delegator_id: int) -> tuple[User, User]:
    """The delegate and the delegator, once ``actor`` may record a delegation between them."""
    if not policy.may_manage_delegations(actor):
        raise PermissionDeniedError(N_("Only leaders and administrators can manage delegations."))
    delegate = _user_in_org(session, delegate_id, actor, "delegate_id")
    delegator = _user_in_org(session, delegator_id, actor, "delegator_id")
    if not policy.may_delegate_for_others(actor) and delegator.id != actor.id:
        raise PermissionDeniedError(N_("A leader can only delegate his or her own authority."))
    if delegate.id == delegator.id:
        raise ValidationError(N_("A person cannot delegate to himself or herself."), field="delegate_id")
    if not delegate.is_active or delegate.role is Role.AUDITOR:
        raise ValidationError(N_("This user cannot be given the right to sign."), field="delegate_id")
    return delegate, delegator


def _parent(session: Session, *, actor: User, parent_id: int | None, delegator: User, types: str,
            valid_from: date, valid_to: date | None) -> Delegation | None:
    """The delegation passed on (checked against the new one), or None when a leader delegates his own."""
    if parent_id is None:
        if delegator.role is not Role.LEADER:
            raise ValidationError(N_("Only a leader's authority can be delegated; to pass on a delegation, "
                                     "choose it."), field="delegator_id")
        return None
    parent = session.get(Delegation, parent_id)
    if parent is None or parent.organisation_id != actor.organisation_id:
        raise ValidationError(N_("Choose a delegation of the ward."), field="parent_id")
    _check_parent(parent, delegator=delegator, types=types, valid_from=valid_from, valid_to=valid_to)
    return parent


def get_delegation(session: Session, delegation_id: int, *, actor: User) -> Delegation:
    delegation = session.get(Delegation, delegation_id)
    if delegation is None or delegation.organisation_id != actor.organisation_id or not policy.may_list_delegations(actor):
        raise NotFoundError(N_("This delegation does not exist."))
    return delegation


def revoke_delegation(session: Session, *, actor: User, delegation_id: int, now: datetime | None = None) -> Delegation:
    """Revoke a delegation from now on (the delegator or an admin). Delegations passed on from it lapse with it.
    Raises NotFoundError, PermissionDeniedError, InvalidTransitionError. Flushes."""
    delegation = get_delegation(session, delegation_id, actor=actor)
    if not policy.may_revoke_delegation(actor, delegation):
        raise PermissionDeniedError(N_("Only the person who delegated or an administrator can revoke this "
                                       "delegation."))
    if delegation.revoked_at is not None:
        raise InvalidTransitionError(N_("This delegation has already been revoked."))
    now = now or utc_now()
    delegation.revoked_at = now
    session.flush()
    audit.record(session, action=AuditAction.DELEGATION_REVOKED, actor=actor, object_type="delegation",
                 object_id=delegation.id, now=now, details={"delegate_id": delegation.delegate_id})
    return delegation


@dataclass(frozen=True)
class DelegationRow:
    delegation: Delegation
    state: DelegationState


def list_delegations(session: Session, *, actor: User, on: date, limit: int = 500) -> list[DelegationRow]:
    """The ward's delegations, current first, then upcoming, expired and revoked; newest first within each.
    Raises PermissionDeniedError for roles that do not see the register."""
    if not policy.may_list_delegations(actor):
        raise PermissionDeniedError(N_("Only leaders, administrators and auditors can see the delegation register."))
    stmt = (select(Delegation).where(Delegation.organisation_id == actor.organisation_id)
            .options(selectinload(Delegation.delegate), selectinload(Delegation.delegator))
            .order_by(Delegation.created_at.desc(), Delegation.id.desc()).limit(limit))
    rows = [DelegationRow(d, state_of(d, on)) for d in session.execute(stmt).scalars()]
    order = list(DelegationState)
    return sorted(rows, key=lambda row: order.index(row.state))
