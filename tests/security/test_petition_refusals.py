"""Every refusal an attacker could try on citizens' petitions (issue 15 §3): the citizen's personal data read
by another role, another department's handler or another ward; tracking with a wrong phone or guessed codes;
rating before the answer, twice, or twice at once; acting on a petition one does not handle."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.config import local_date
from docflow.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import (
    AuditEvent,
    Organisation,
    Petition,
    PetitionChannel,
    PetitionKind,
    PetitionStatus,
    utc_now,
)
from docflow.services import petitions
from tests.conftest import is_postgres
from tests.racing import label, race
from tests.services.petitions.wardset import PHONE, PetitionWard, assigned, build_pward, submit


@pytest.fixture
def pward(make_department: Any, make_user: Any) -> PetitionWard:
    return build_pward(make_department, make_user)


@pytest.fixture
def settings(app: Any) -> Any:
    return app.extensions["docflow.settings"]


@pytest.mark.parametrize("who", ["auditor", "admin", "other_official", "culture_head"])
def test_the_citizens_personal_data_is_refused_to_whoever_does_not_handle_the_petition(
        db_session, settings, org, pward, who):
    petition = assigned(db_session, settings, org, pward)
    with pytest.raises(PermissionDeniedError):
        petitions.get_petition(db_session, actor=getattr(pward, who), petition_id=petition.id)


@pytest.mark.parametrize("who", ["auditor", "admin", "other_official", "culture_head"])
def test_the_petition_page_is_refused_to_whoever_does_not_handle_it(
        client, db_session, settings, org, pward, who):
    petition = assigned(db_session, settings, org, pward)
    client.login(getattr(pward, who))
    response = client.get(f"/petitions/{petition.id}")
    assert response.status_code == 403 and "0912345678" not in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["handler", "land_head", "clerk", "leader"])
def test_its_handlers_read_it(db_session, settings, org, pward, who):
    petition = assigned(db_session, settings, org, pward)
    assert petitions.get_petition(db_session, actor=getattr(pward, who), petition_id=petition.id) is petition


def test_the_auditor_and_the_administrator_have_no_petitions_list(db_session, pward):
    for someone in (pward.auditor, pward.admin):
        with pytest.raises(PermissionDeniedError):
            petitions.list_petitions(db_session, actor=someone)


def test_another_wards_petition_is_not_found(db_session, settings, org, pward):
    other = Organisation(name="UBND phường Bên Cạnh", code="BC")
    db_session.add(other)
    db_session.flush()
    theirs = submit(db_session, settings, other)
    with pytest.raises(NotFoundError):
        petitions.get_petition(db_session, actor=pward.clerk, petition_id=theirs.id)
    with pytest.raises(NotFoundError):
        petitions.track(db_session, organisation_id=org.id, code=theirs.receipt_code, phone=PHONE)


def test_the_handler_of_another_department_cannot_answer_apologise_or_assign(
        db_session, settings, store, org, pward):
    petition = assigned(db_session, settings, org, pward)
    for someone in (pward.other_official, pward.culture_head):
        with pytest.raises(PermissionDeniedError):
            petitions.answer_with_text(db_session, actor=someone, petition_id=petition.id, text="x",
                                       settings=settings)
        with pytest.raises(PermissionDeniedError):
            petitions.draft_apology(db_session, actor=someone, petition_id=petition.id, reason="x",
                                    new_deadline=petition.deadline + timedelta(days=3), signer_id=pward.leader.id,
                                    settings=settings, store=store)
        with pytest.raises(PermissionDeniedError):
            petitions.assign_petition(db_session, actor=someone, petition_id=petition.id,
                                      department_id=pward.culture.id)
    assert petition.status is PetitionStatus.ASSIGNED and petition.answer_text == ""


def test_a_head_keeps_routing_inside_his_department_and_handlers_come_from_the_department(
        db_session, settings, org, pward):
    petition = assigned(db_session, settings, org, pward)
    with pytest.raises(PermissionDeniedError):
        petitions.assign_petition(db_session, actor=pward.land_head, petition_id=petition.id,
                                  department_id=pward.culture.id)
    with pytest.raises(ValidationError):
        petitions.assign_petition(db_session, actor=pward.clerk, petition_id=petition.id,
                                  department_id=pward.land.id, handler_id=pward.other_official.id)


def test_the_clerk_and_leaders_route_but_only_the_handler_answers(db_session, settings, org, pward):
    petition = assigned(db_session, settings, org, pward)
    for someone in (pward.clerk, pward.leader, pward.auditor):
        with pytest.raises(PermissionDeniedError):
            petitions.answer_with_text(db_session, actor=someone, petition_id=petition.id, text="x",
                                       settings=settings)


def test_a_wrong_phone_finds_nothing_and_says_no_more_than_a_wrong_code(db_session, settings, org):
    petition = submit(db_session, settings, org)
    errors = []
    for code, phone in ((petition.receipt_code, "0912345679"), ("ZZZZ-ZZZZ-ZZZZ-ZZZZ", PHONE)):
        with pytest.raises(NotFoundError) as caught:
            petitions.track(db_session, organisation_id=org.id, code=code, phone=phone)
        errors.append((caught.value.message, caught.value.params))
    assert errors[0] == errors[1]


def test_guessed_codes_find_nothing_and_the_guesser_is_stopped(client, db_session, settings, org):
    submit(db_session, settings, org)
    statuses = [client.post("/citizens/track", {"code": petitions.new_receipt_code(), "phone": PHONE}).status_code
                for _ in range(25)]
    assert set(statuses[:20]) == {404} and set(statuses[20:]) == {429}


def test_rating_before_the_answer_and_rating_twice_are_refused(db_session, settings, org, pward):
    petition = assigned(db_session, settings, org, pward)
    with pytest.raises(InvalidTransitionError):
        petitions.rate_answer(db_session, organisation_id=org.id, code=petition.receipt_code, phone=PHONE, rating=5)
    petitions.answer_with_text(db_session, actor=pward.handler, petition_id=petition.id, text="Đã xử lý.",
                               settings=settings)
    with pytest.raises(NotFoundError):
        petitions.rate_answer(db_session, organisation_id=org.id, code=petition.receipt_code, phone="0900000000",
                              rating=1)
    with pytest.raises(ValidationError):
        petitions.rate_answer(db_session, organisation_id=org.id, code=petition.receipt_code, phone=PHONE, rating=6)
    petitions.rate_answer(db_session, organisation_id=org.id, code=petition.receipt_code, phone=PHONE, rating=2)
    with pytest.raises(InvalidTransitionError):
        petitions.rate_answer(db_session, organisation_id=org.id, code=petition.receipt_code, phone=PHONE, rating=5)
    assert petition.rating == 2


def test_the_public_form_cannot_pose_as_the_clerk_and_no_one_else_uses_the_clerks_channels(
        db_session, settings, org, pward):
    data = petitions.PetitionInput(kind=PetitionKind.COMPLAINT, citizen_name="A", phone=PHONE, subject="s",
                                   content="c")
    with pytest.raises(PermissionDeniedError):
        petitions.register_petition(db_session, organisation=org, settings=settings, data=data,
                                    channel=PetitionChannel.HOTLINE)
    with pytest.raises(PermissionDeniedError):
        petitions.register_petition(db_session, organisation=org, settings=settings, data=data,
                                    channel=PetitionChannel.ONLINE, actor=pward.clerk)


def test_the_clerks_form_is_refused_to_other_roles_and_without_its_token(client, db_session, pward):
    client.login(pward.handler)
    assert client.get("/petitions/new").status_code == 403
    client.logout()
    client.login(pward.clerk)
    form = {"channel": "hotline", "kind": "complaint", "citizen_name": "A", "phone": PHONE, "subject": "s",
            "content": "c"}
    assert client.post("/petitions/new", form, csrf=False).status_code == 400
    assert db_session.execute(select(func.count()).select_from(Petition)).scalar_one() == 0


def test_the_public_tracking_page_shows_no_personal_data(client, db_session, settings, org):
    petition = submit(db_session, settings, org)
    page = client.post("/citizens/track", {"code": petition.receipt_code, "phone": PHONE}).get_data(as_text=True)
    assert "Đèn đường tổ 5 hỏng" in page
    assert "Nguyễn Văn An" not in page and "Số 12, tổ 5" not in page and "an@example.vn" not in page


def test_an_apology_after_the_deadline_is_refused(db_session, settings, store, org, pward):
    petition = assigned(db_session, settings, org, pward)
    petition.deadline = petition.first_deadline = local_date(settings, utc_now()) - timedelta(days=1)
    with pytest.raises(InvalidTransitionError):
        petitions.draft_apology(db_session, actor=pward.handler, petition_id=petition.id, reason="Chậm",
                                new_deadline=petition.deadline + timedelta(days=9), signer_id=pward.leader.id,
                                settings=settings, store=store)


# -- two ratings at once, in real concurrent transactions (PostgreSQL) -----------------------------------------

@pytest.fixture
def answered_petition(committed_app: Any) -> dict[str, Any]:
    engine = committed_app.extensions["docflow.engine"]
    settings = committed_app.extensions["docflow.settings"]
    with Session(engine) as s, s.begin():
        org = s.execute(select(Organisation).order_by(Organisation.id)).scalars().first()
        petition = submit(s, settings, org)
        petition.status, petition.answered_at = PetitionStatus.ANSWERED, utc_now()   # answered by the desk
        petition.answered_on, petition.answer_text = local_date(settings, utc_now()), "Đã xử lý."
        return {"engine": engine, "organisation_id": org.id, "code": petition.receipt_code, "id": petition.id}


@pytest.mark.skipif(not is_postgres(), reason="real concurrent transactions need PostgreSQL")
def test_two_ratings_at_once_rate_it_once(answered_petition):
    p = answered_petition

    def rate(value: int) -> Any:
        def run(s: Session) -> Any:
            return petitions.rate_answer(s, organisation_id=p["organisation_id"], code=p["code"], phone=PHONE,
                                         rating=value)
        return run

    outcomes = race(p["engine"], [rate(5), rate(1)], timeout=90)
    assert sorted(label(o)[:7] for o in outcomes) == ["ok", "refused"], [label(o) for o in outcomes]
    with Session(p["engine"]) as s:
        assert len(s.execute(select(AuditEvent).where(AuditEvent.action == "petition.rated",
                                                      AuditEvent.object_id == str(p["id"]))).all()) == 1


def test_the_auditor_reads_every_step_in_the_audit_log_but_no_personal_data(client, db_session, settings, org,
                                                                             pward):
    petition = assigned(db_session, settings, org, pward)
    petitions.answer_with_text(db_session, actor=pward.handler, petition_id=petition.id, text="Đã xử lý.",
                               settings=settings)
    client.login(pward.auditor)
    page = client.get("/audit/?action=petition.received")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "đã tiếp nhận phản ánh, kiến nghị" in text
    for shown in (client.get("/audit/").get_data(as_text=True), text):
        assert "0912345678" not in shown and "Nguyễn Văn An" not in shown and "Số 12" not in shown
    events = db_session.execute(select(AuditEvent).where(AuditEvent.object_type == "petition")).scalars().all()
    assert len(events) == 3
    assert not any("0912345678" in str(e.details) or "Nguyễn Văn An" in str(e.details) for e in events)
