"""Helpers for the petition tests: a ward with a land department, its head and handler, a leader who signs,
the clerk, an auditor; a petition from the public form; an outgoing document walked to its issue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from docflow.models import Department, Document, Petition, PetitionChannel, PetitionKind, Role, StepKind, User
from docflow.services import outgoing, petitions
from docflow.signing.base import CertificateKind
from tests.conftest import SIGNING_PIN as PIN

PHONE = "0912 345 678"


@dataclass
class PetitionWard:
    land: Department
    culture: Department
    handler: User
    land_head: User
    other_official: User
    culture_head: User
    leader: User
    clerk: User
    auditor: User
    admin: User


def build_pward(make_department: Any, make_user: Any) -> PetitionWard:
    land, culture = make_department("Địa chính", "ĐC"), make_department("Văn hóa", "VHXH")
    office = make_department("Văn phòng", "VP")
    w = PetitionWard(land=land, culture=culture,
                     handler=make_user(Role.OFFICIAL, department=land, full_name="Phan Thị Ngọc"),
                     land_head=make_user(Role.HEAD, department=land, full_name="Hoàng Văn Nam"),
                     other_official=make_user(Role.OFFICIAL, department=culture),
                     culture_head=make_user(Role.HEAD, department=culture),
                     leader=make_user(Role.LEADER, full_name="Lê Thị Thu Hà"),
                     clerk=make_user(Role.CLERK, department=office),
                     auditor=make_user(Role.AUDITOR), admin=make_user(Role.ADMIN))
    w.leader.post = "Phó Chủ tịch"
    return w


def with_certificates(pward: PetitionWard, issue_cert: Any) -> PetitionWard:
    for user in (pward.land_head, pward.leader):
        issue_cert(user)
    issue_cert(None, CertificateKind.ORGANISATION)
    return pward


def submit(db_session: Session, settings: Any, org: Any, *, now: datetime | None = None,
           phone: str = PHONE, subject: str = "Đèn đường tổ 5 hỏng") -> Petition:
    data = petitions.PetitionInput(kind=PetitionKind.COMPLAINT, citizen_name="Nguyễn Văn An", phone=phone,
                                   subject=subject, content="Đèn đường trước nhà số 12 hỏng đã một tuần.",
                                   address="Số 12, tổ 5", email="an@example.vn")
    return petitions.register_petition(db_session, organisation=org, settings=settings, data=data,
                                       channel=PetitionChannel.ONLINE, now=now)


def assigned(db_session: Session, settings: Any, org: Any, w: PetitionWard, **kw: Any) -> Petition:
    petition = submit(db_session, settings, org, **kw)
    petitions.assign_petition(db_session, actor=w.clerk, petition_id=petition.id, department_id=w.land.id,
                              handler_id=w.handler.id, now=kw.get("now"))
    return petition


def walk_to_issue(db_session: Session, settings: Any, store: Any, document: Document, w: PetitionWard) -> Document:
    """The drafter sends it on its route; each reviewer approves, the signer signs, the clerk issues."""
    outgoing.start_route(db_session, actor=session_user(db_session, document.created_by_id), document_id=document.id,
                         store=store)
    while (step := outgoing.active_step(db_session, document.id)) is not None:
        if step.kind is StepKind.REVIEW:
            outgoing.approve_step(db_session, actor=session_user(db_session, step.assignee_id),
                                  document_id=document.id, step_id=step.id)
        elif step.kind is StepKind.SIGN:
            outgoing.sign_step(db_session, actor=session_user(db_session, step.assignee_id), settings=settings,
                               store=store, document_id=document.id, step_id=step.id, pin=PIN, expected_version=None)
        else:
            outgoing.issue_document(db_session, actor=w.clerk, settings=settings, store=store,
                                    document_id=document.id, pin=PIN)
    return document


def session_user(db_session: Session, user_id: int | None) -> User:
    user = db_session.get(User, user_id)
    assert user is not None
    return user
