"""Citizens' petitions (issue 15 §3): from the public form to a signed answer and a rating, the apology before
lateness (R68) that still counts late, tracking by code and phone, and the figures (R70, R72)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import local_date
from docflow.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import (
    AuditEvent,
    DocumentStatus,
    Notification,
    PetitionChannel,
    PetitionKind,
    PetitionStatus,
    utc_now,
)
from docflow.services import petitions
from docflow.services.calendar import WorkingCalendar
from docflow.services.notifications import MailOutbox
from tests.services.petitions.wardset import PHONE, PetitionWard, assigned, submit, walk_to_issue


@pytest.fixture
def settings(app: Any) -> Any:
    return app.extensions["docflow.settings"]


def _actions(db_session: Session, petition_id: int) -> list[str]:
    return list(db_session.execute(select(AuditEvent.action).where(AuditEvent.object_type == "petition",
                                                                   AuditEvent.object_id == str(petition_id))
                                   .order_by(AuditEvent.seq)).scalars())


def test_a_petition_from_the_public_form_gets_an_80_bit_code_and_a_working_day_deadline(db_session, settings, org):
    now = utc_now()
    petition = submit(db_session, settings, org, now=now)
    assert petition.status is PetitionStatus.RECEIVED and petition.channel is PetitionChannel.ONLINE
    assert len(petition.receipt_code.replace("-", "")) * 5 >= 80
    assert petition.phone == "0912345678"
    expected = WorkingCalendar.load(settings).add_working_days(local_date(settings, now),
                                                              settings.workflow.petition_deadline_working_days)
    assert petition.deadline == petition.first_deadline == expected
    assert petitions.normalise_code(petition.receipt_code.lower().replace("-", " ")) == petition.receipt_code
    # the audit row says what came in, never who wrote it
    event = db_session.execute(select(AuditEvent).where(AuditEvent.object_type == "petition")).scalars().one()
    assert "0912345678" not in str(event.details) and "Nguyễn" not in str(event.details)


def test_receipt_codes_differ_every_time(db_session, settings, org):
    assert len({petitions.new_receipt_code() for _ in range(2000)}) == 2000


def test_a_bad_phone_number_is_refused(db_session, settings, org):
    with pytest.raises(ValidationError):
        submit(db_session, settings, org, phone="12ab")


def test_the_clerk_registers_hotline_petitions_and_nobody_else_does(db_session, settings, org, pward):
    data = petitions.PetitionInput(kind=PetitionKind.PROPOSAL, citizen_name="Trần Thị Bình", phone="0987654321",
                                   subject="Đề nghị sửa đường", content="Đường tổ 3 ngập khi mưa.")
    petition = petitions.register_petition(db_session, organisation=org, settings=settings, data=data,
                                           channel=PetitionChannel.HOTLINE, actor=pward.clerk)
    assert petition.registered_by_id == pward.clerk.id
    for someone in (pward.handler, pward.auditor, pward.leader):
        with pytest.raises(PermissionDeniedError):
            petitions.register_petition(db_session, organisation=org, settings=settings, data=data,
                                        channel=PetitionChannel.SUGGESTION_BOX, actor=someone)


def test_routing_puts_it_in_the_handlers_list_and_notifies_him(db_session, settings, org, pward):
    petition = assigned(db_session, settings, org, pward)
    assert petition.status is PetitionStatus.ASSIGNED and petition.handler_id == pward.handler.id
    assert petitions.list_petitions(db_session, actor=pward.handler) == [petition]
    assert petitions.list_petitions(db_session, actor=pward.land_head) == [petition]
    assert petitions.list_petitions(db_session, actor=pward.other_official) == []
    notice = db_session.execute(select(Notification).where(Notification.user_id == pward.handler.id)).scalar_one()
    assert str(petition.id) in notice.params_json


def test_r68_a_petition_goes_from_the_public_form_to_a_signed_answer_and_a_rating(
        db_session, signing_settings, store, org, signing_ward):
    w = signing_ward
    petition = assigned(db_session, signing_settings, org, w)
    document = petitions.draft_answer(db_session, actor=w.handler, petition_id=petition.id,
                                      text="Ủy ban đã cử người thay đèn đường tổ 5.\nCảm ơn Ông/Bà.",
                                      signer_id=w.leader.id, settings=signing_settings, store=store)
    assert petition.status is PetitionStatus.IN_PROGRESS and document.doc_type == "cong_van"
    with pytest.raises(InvalidTransitionError):
        petitions.rate_answer(db_session, organisation_id=org.id, code=petition.receipt_code, phone=PHONE, rating=5)
    walk_to_issue(db_session, signing_settings, store, document, w)
    assert document.status is DocumentStatus.ISSUED
    assert petition.status is PetitionStatus.ANSWERED and petition.answered_on is not None
    seen = petitions.track(db_session, organisation_id=org.id, code=petition.receipt_code, phone=PHONE)
    assert seen.answer_number_symbol == document.number_symbol and seen.may_rate
    petitions.rate_answer(db_session, organisation_id=org.id, code=petition.receipt_code, phone="+84912345678",
                          rating=5, comment="Rất nhanh")
    assert petition.rating == 5
    assert not petitions.track(db_session, organisation_id=org.id, code=petition.receipt_code, phone=PHONE).may_rate
    assert _actions(db_session, petition.id) == ["petition.received", "petition.assigned", "petition.answer_drafted",
                                                 "petition.answered", "petition.rated"]


def test_a_short_answer_without_a_document_is_answered_at_once(db_session, settings, org, pward):
    petition = assigned(db_session, settings, org, pward)
    petitions.answer_with_text(db_session, actor=pward.handler, petition_id=petition.id,
                               text="Cảm ơn góp ý của Ông/Bà.", settings=settings)
    assert petition.status is PetitionStatus.ANSWERED and petition.answer_document_id is None


def test_tracking_needs_both_the_code_and_the_phone_and_says_the_same_for_either_mistake(db_session, settings, org):
    petition = submit(db_session, settings, org)
    seen = petitions.track(db_session, organisation_id=org.id, code=petition.receipt_code, phone=PHONE)
    assert seen.status is PetitionStatus.RECEIVED and seen.deadline == petition.deadline
    messages = set()
    for code, phone in ((petition.receipt_code, "0900000000"), (petitions.new_receipt_code(), PHONE),
                        ("not a code", PHONE)):
        with pytest.raises(NotFoundError) as caught:
            petitions.track(db_session, organisation_id=org.id, code=code, phone=phone)
        messages.add(caught.value.message)
    assert messages == {petitions.NO_MATCH}


def _due_today(db_session: Session, settings: Any, org: Any, w: PetitionWard) -> Any:
    petition = assigned(db_session, settings, org, w)
    today = local_date(settings, utc_now())
    petition.deadline = petition.first_deadline = today       # a petition received ten working days ago
    db_session.flush()
    return petition


def test_r68_the_handler_is_reminded_once_before_the_deadline(db_session, settings, org, pward):
    petition = _due_today(db_session, settings, org, pward)
    later = submit(db_session, settings, org)     # its deadline is ten working days away: not due
    assert petitions.remind_apologies(db_session, settings=settings) == [petition]
    assert petitions.remind_apologies(db_session, settings=settings) == []
    assert later not in petitions.petitions_due_apology(db_session, settings=settings, now=utc_now())
    notices = db_session.execute(select(Notification).where(Notification.user_id == pward.handler.id,
                                                            Notification.message == petitions.apology.APOLOGY_DUE))
    assert len(notices.all()) == 1


def test_r68_the_apology_moves_the_deadline_when_issued_and_the_petition_still_counts_late(
        db_session, signing_settings, store, org, signing_ward):
    w, settings = signing_ward, signing_settings
    petition = _due_today(db_session, settings, org, w)
    first = petition.deadline
    new_date = first + timedelta(days=7)
    apology = petitions.draft_apology(db_session, actor=w.handler, petition_id=petition.id,
                                      reason="Cần khảo sát hiện trường cùng điện lực", new_deadline=new_date,
                                      signer_id=w.leader.id, settings=settings, store=store)
    assert petition.deadline == first                 # not before the letter is issued
    walk_to_issue(db_session, settings, store, apology.document, w)
    assert apology.issued_at is not None and petition.deadline == new_date and petition.first_deadline == first
    assert petitions.petitions_due_apology(db_session, settings=settings, now=utc_now()) == []
    seen = petitions.track(db_session, organisation_id=org.id, code=petition.receipt_code, phone=PHONE)
    assert [a.new_deadline for a in seen.apologies] == [new_date]
    petitions.answer_with_text(db_session, actor=w.handler, petition_id=petition.id, text="Đã sửa xong.",
                               settings=settings, now=utc_now() + timedelta(days=3))
    now = utc_now()
    figures = petitions.petition_figures(db_session, organisation_id=org.id, start=now - timedelta(days=1),
                                         end=now + timedelta(days=1), today=local_date(settings, now))
    assert (figures.answered_late, figures.answered_on_time, figures.apologies_issued) == (1, 0, 1)
    assert figures.on_time_rate == 0.0


def test_r68_no_apology_after_the_deadline_has_passed(db_session, settings, store, org, pward):
    petition = _due_today(db_session, settings, org, pward)
    with pytest.raises(InvalidTransitionError):
        petitions.draft_apology(db_session, actor=pward.handler, petition_id=petition.id, reason="Chậm",
                                new_deadline=petition.deadline + timedelta(days=5), signer_id=pward.leader.id,
                                settings=settings, store=store, now=utc_now() + timedelta(days=2))


def test_r68_one_apology_letter_at_a_time_for_a_petition(db_session, settings, store, org, pward):
    petition = _due_today(db_session, settings, org, pward)
    later = petition.deadline + timedelta(days=5)
    petitions.draft_apology(db_session, actor=pward.handler, petition_id=petition.id, reason="Chờ khảo sát",
                            new_deadline=later, signer_id=pward.leader.id, settings=settings, store=store)
    with pytest.raises(InvalidTransitionError, match="already on its way"):
        petitions.draft_apology(db_session, actor=pward.handler, petition_id=petition.id, reason="Chờ thêm",
                                new_deadline=later + timedelta(days=2), signer_id=pward.leader.id,
                                settings=settings, store=store)
    assert len(petitions.apologies_of(db_session, petition)) == 1


def test_r72_figures_count_on_time_late_overdue_and_satisfied(db_session, settings, org, pward):
    now = utc_now()
    today = local_date(settings, now)
    on_time = [assigned(db_session, settings, org, pward) for _ in range(3)]
    for petition in on_time:
        petitions.answer_with_text(db_session, actor=pward.handler, petition_id=petition.id, text="Đã xử lý.",
                                   settings=settings)
    for petition, rating in zip(on_time, (5, 4, 2)):
        petitions.rate_answer(db_session, organisation_id=org.id, code=petition.receipt_code, phone=PHONE,
                              rating=rating)
    overdue = assigned(db_session, settings, org, pward)
    overdue.deadline = overdue.first_deadline = today - timedelta(days=3)
    submit(db_session, settings, org)                                   # open, in time
    db_session.flush()
    figures = petitions.petition_figures(db_session, organisation_id=org.id, start=now - timedelta(days=1),
                                         end=now + timedelta(days=1), today=today)
    assert (figures.received, figures.answered_on_time, figures.open_overdue, figures.open_in_time) == (5, 3, 1, 1)
    assert figures.on_time_rate == 75.0
    assert (figures.rated, figures.satisfied, figures.satisfaction_rate) == (3, 2, 66.7)


def _queued_mail(db_session: Session) -> list[Any]:
    boxes = [c for c in db_session.info.get("after_commit", []) if isinstance(c, MailOutbox)]
    return [notice for box in boxes for notice in box.notices]


def test_r68_the_citizen_who_gave_an_e_mail_hears_of_the_answer_without_his_code(db_session, settings, org, pward):
    petition = assigned(db_session, settings, org, pward)
    db_session.info.pop("after_commit", None)
    petitions.answer_with_text(db_session, actor=pward.handler, petition_id=petition.id, text="Đã xử lý.",
                               settings=settings)
    (notice,) = _queued_mail(db_session)
    db_session.info.pop("after_commit", None)
    assert notice.to == "an@example.vn" and notice.locale == "vi"
    assert petition.receipt_code not in str(notice.params) and petition.phone not in str(notice.params)


def test_r68_a_petition_nobody_was_assigned_reminds_the_clerk(db_session, settings, org, pward):
    petition = submit(db_session, settings, org)
    petition.deadline = petition.first_deadline = local_date(settings, utc_now())
    db_session.flush()
    assert petitions.remind_apologies(db_session, settings=settings) == [petition]
    notices = db_session.execute(select(Notification.user_id).where(
        Notification.message == petitions.apology.APOLOGY_DUE)).scalars().all()
    assert notices == [pward.clerk.id]
