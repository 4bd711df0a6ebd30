"""What each signing mode requires of a delegation (Decree 30, Article 13; rule R25): KT. only to the
principal's deputy, TUQ. only in writing (the authorising document) and for a limited time, and never passed
on; TL. passed on only to the holder's deputy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from docflow.errors import N_, ValidationError
from docflow.models import Document, Role, User
from docflow.models.routing import Delegation, SigningMode

MAX_REFERENCE = 100
DEPUTY_PREFIX = "phó "
# Roles whose posts have deputies signing KT.: the chairman's vice-chairmen (leaders) and a department head's
# deputy heads (heads). A deputy holds the same role as his principal, in the same department.
DEPUTY_ROLES = (Role.LEADER, Role.HEAD)


@dataclass(frozen=True)
class Basis:
    """The written basis of a TUQ. (or TL.) delegation: the authorising document, either a document of the
    ward in docflow (``document_id``) or its number and symbol (``reference``) and date (``issued_on``)."""
    document_id: int | None = None
    reference: str = ""
    issued_on: date | None = None

    @property
    def given(self) -> bool:
        return self.document_id is not None or bool(self.reference.strip()) or self.issued_on is not None


def folded_post(user: User) -> str:
    return " ".join((user.post or "").split()).casefold()


def is_deputy_of(deputy: User, principal: User) -> bool:
    """Whether ``deputy`` holds the deputy's post of ``principal`` (Phó Chủ tịch for Chủ tịch, Phó Chánh Văn
    phòng for Chánh Văn phòng, Phó Trưởng phòng for Trưởng phòng): the post is "Phó " + the principal's post,
    the role is the principal's, and a department's deputy head sits in the same department."""
    principal_post = folded_post(principal)
    if not principal_post or principal_post.startswith(DEPUTY_PREFIX):
        return False
    if principal.role not in DEPUTY_ROLES or deputy.role is not principal.role:
        return False
    if principal.role is Role.HEAD and deputy.department_id != principal.department_id:
        return False
    return folded_post(deputy) == DEPUTY_PREFIX + principal_post


def check_mode(session: Session, *, delegate: User, delegator: User, mode: SigningMode, parent: Delegation | None,
               valid_to: date | None, basis: Basis) -> Basis:
    """Refuse a delegation its mode does not allow; return the basis as recorded (from the linked document
    where one is chosen). Raises ValidationError."""
    if mode is SigningMode.KT and not is_deputy_of(delegate, delegator):
        raise ValidationError(N_("KT. (signing in place) is only for a deputy of %(principal)s (%(post)s): "
                                 "%(name)s (%(own)s) is not."), field="delegate_id", principal=delegator.full_name,
                              post=delegator.post or "—", name=delegate.full_name, own=delegate.post or "—")
    if parent is not None and parent.mode is SigningMode.TL and mode is SigningMode.TL \
            and not is_deputy_of(delegate, delegator):
        raise ValidationError(N_("A TL. delegation may only be passed on to the holder's deputy."),
                              field="delegate_id")
    if mode is not SigningMode.TUQ:
        return _recorded(session, delegator, basis) if basis.given else basis
    if valid_to is None:
        raise ValidationError(N_("A TUQ. delegation is limited in time: give its end date."), field="valid_to")
    if not basis.given:
        raise ValidationError(N_("A TUQ. delegation needs its written basis: choose the authorising document "
                                 "or give its number and symbol and its date."), field="basis_reference")
    return _recorded(session, delegator, basis)


def _recorded(session: Session, delegator: User, basis: Basis) -> Basis:
    if basis.document_id is not None:
        document = session.get(Document, basis.document_id)
        if document is None or document.organisation_id != delegator.organisation_id:
            raise ValidationError(N_("Choose a document of the ward as the authorising document."),
                                  field="basis_document_id")
        reference = basis.reference.strip() or (document.number_symbol or "")
        return Basis(document.id, reference[:MAX_REFERENCE], basis.issued_on or document.document_date)
    reference = " ".join(basis.reference.split())
    if not reference or basis.issued_on is None:
        raise ValidationError(N_("Give both the number and symbol and the date of the authorising document."),
                              field="basis_reference")
    if len(reference) > MAX_REFERENCE:
        raise ValidationError(N_("The number and symbol is too long."), field="basis_reference")
    return Basis(None, reference, basis.issued_on)
