"""A ward's number series (Decree 30, Art. 15.1, 15.2; rule R11): by default a register has one series; the
administrator may give secret documents their own series and a document type its own (legal normative
documents: one series per type; the rest as the head of the body decides). Issuing numbers a document in the
series that applies to it when it is issued."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import doctypes, policy
from docflow.errors import N_, ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import Document, RegisterKind, RegisterSeries, SeriesRule, User, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction

DEFAULT_SERIES = ""
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,19}$")


@dataclass(frozen=True)
class SeriesInput:
    code: str
    name: str
    rule: SeriesRule
    doc_type: str = ""
    kind: RegisterKind = RegisterKind.OUTGOING


def _require_admin(actor: User | None) -> None:
    """``actor`` None is the system (the command line, run by whoever administers the server)."""
    if actor is not None and not policy.may_administer(actor):
        raise PermissionDeniedError(N_("Only the administrator configures the register's series."))


def list_series(session: Session, *, organisation_id: int, kind: RegisterKind = RegisterKind.OUTGOING,
                active_only: bool = False) -> list[RegisterSeries]:
    """The ward's configured series of ``kind`` (the default series is not a row)."""
    stmt = select(RegisterSeries).where(RegisterSeries.organisation_id == organisation_id,
                                        RegisterSeries.register_kind == kind)
    if active_only:
        stmt = stmt.where(RegisterSeries.is_active.is_(True))
    return list(session.execute(stmt.order_by(RegisterSeries.code)).scalars())


def _check(session: Session, organisation_id: int, data: SeriesInput) -> None:
    if not CODE.match(data.code):
        raise ValidationError(N_("A series code is 1–20 lower-case letters, digits or hyphens."), field="code")
    if not data.name.strip() or len(data.name) > 200:
        raise ValidationError(N_("Give the series a name (at most 200 characters)."), field="name")
    if data.rule is SeriesRule.DOC_TYPE and doctypes.get_type(data.doc_type) is None:
        raise ValidationError(N_("Choose a document type."), field="doc_type")
    if data.rule is SeriesRule.SECRET and data.doc_type:
        raise ValidationError(N_("The secret documents' series takes every confidential document, of any type."),
                              field="doc_type")
    for other in list_series(session, organisation_id=organisation_id, kind=data.kind, active_only=True):
        if other.code == data.code or (other.rule is data.rule and other.doc_type == data.doc_type):
            raise ConflictError(N_("The ward already has a series for these documents (%(code)s)."),
                                code=other.code)


def add_series(session: Session, *, actor: User | None, organisation_id: int, data: SeriesInput) -> RegisterSeries:
    """Configure a new series from the next number issued. Raises PermissionDeniedError, ValidationError,
    ConflictError. Flushes."""
    _require_admin(actor)
    _check(session, organisation_id, data)
    if session.execute(select(RegisterSeries.id).where(
            RegisterSeries.organisation_id == organisation_id, RegisterSeries.register_kind == data.kind,
            RegisterSeries.code == data.code)).first() is not None:
        raise ConflictError(N_("The ward already has a series for these documents (%(code)s)."), code=data.code)
    series = RegisterSeries(organisation_id=organisation_id, register_kind=data.kind, code=data.code,
                            name=data.name.strip(), rule=data.rule, doc_type=data.doc_type, is_active=True,
                            created_at=utc_now())
    session.add(series)
    session.flush()
    audit.record(session, action=AuditAction.REGISTER_SERIES_CHANGED, actor=actor, object_type="register_series",
                 object_id=series.id, details={"code": series.code, "rule": series.rule.value,
                                               "doc_type": series.doc_type, "active": True})
    return series


def deactivate_series(session: Session, *, actor: User | None, organisation_id: int,
                      kind: RegisterKind, code: str) -> RegisterSeries:
    """Stop numbering in a series from the next issue (its numbers stay in the register). Flushes."""
    _require_admin(actor)
    series = session.execute(select(RegisterSeries).where(
        RegisterSeries.organisation_id == organisation_id, RegisterSeries.register_kind == kind,
        RegisterSeries.code == code)).scalar_one_or_none()
    if series is None:
        raise NotFoundError(N_("No such series."))
    series.is_active = False
    session.flush()
    audit.record(session, action=AuditAction.REGISTER_SERIES_CHANGED, actor=actor, object_type="register_series",
                 object_id=series.id, details={"code": series.code, "active": False})
    return series


def series_for(session: Session, document: Document) -> str:
    """The series an outgoing document is numbered in: the secret documents' series for a confidential one,
    else its type's series, else the default ("")."""
    active = list_series(session, organisation_id=document.organisation_id, kind=RegisterKind.OUTGOING,
                         active_only=True)
    if document.is_confidential:
        secret = [s for s in active if s.rule is SeriesRule.SECRET]
        if secret:
            return secret[0].code
    typed = [s for s in active if s.rule is SeriesRule.DOC_TYPE and s.doc_type == document.doc_type]
    return typed[0].code if typed else DEFAULT_SERIES
