"""The citizens' pages (issue 15 §3): the public form gives a receipt code, the tracking page needs the code and
the phone, the rating form works once; CSRF and the per-address limit (429) hold without an account. And the
ward's side: the clerk's form, the handler's list and the petition page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from docflow.models import Petition, PetitionStatus, Role
from docflow.services import petitions
from tests.services.petitions.wardset import PHONE, PetitionWard, assigned, build_pward, walk_to_issue, with_certificates

FORM = {"kind": "complaint", "citizen_name": "Nguyễn Văn An", "phone": PHONE, "address": "Số 12, tổ 5",
        "email": "", "subject": "Đèn đường tổ 5 hỏng", "content": "Đèn hỏng đã một tuần."}


@pytest.fixture
def pward(make_department: Any, make_user: Any) -> PetitionWard:
    return build_pward(make_department, make_user)


@pytest.fixture
def signing_ward(pward: PetitionWard, issue_cert: Any) -> PetitionWard:
    return with_certificates(pward, issue_cert)


def _code(page: str) -> str:
    match = re.search(r'data-testid="receipt-code">([0-9A-Z-]+)<', page)
    assert match, page
    return match.group(1)


def test_the_public_form_is_vietnamese_and_gives_a_receipt_code(client, org, db_session):
    page = client.get("/citizens/petition")
    assert page.status_code == 200 and "Gửi" in page.get_data(as_text=True)
    response = client.post("/citizens/petition", FORM)
    assert response.status_code == 200
    code = _code(response.get_data(as_text=True))
    petition = db_session.execute(select(Petition).where(Petition.receipt_code == code)).scalar_one()
    assert petition.citizen_name == "Nguyễn Văn An" and petition.registered_by_id is None


def test_a_form_without_its_csrf_token_is_refused(client, org, db_session):
    assert client.post("/citizens/petition", FORM, csrf=False).status_code == 400
    assert client.post("/citizens/track", {"code": "X", "phone": PHONE}, csrf=False).status_code == 400
    assert db_session.execute(select(Petition)).first() is None


def test_the_sixth_petition_from_one_address_within_the_hour_gets_429(client, org, db_session):
    for _ in range(5):
        assert client.post("/citizens/petition", FORM).status_code == 200
    refused = client.post("/citizens/petition", FORM)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert len(db_session.execute(select(Petition)).all()) == 5


def test_tracking_by_code_and_phone_then_rating_once(client, org, db_session, app, pward):
    settings = app.extensions["docflow.settings"]
    petition = assigned(db_session, settings, org, pward)
    wrong = client.post("/citizens/track", {"code": petition.receipt_code, "phone": "0900000000"})
    unknown = client.post("/citizens/track", {"code": petitions.new_receipt_code(), "phone": PHONE})
    assert wrong.status_code == unknown.status_code == 404
    assert _message(wrong) == _message(unknown)
    found = client.post("/citizens/track", {"code": petition.receipt_code.lower(), "phone": PHONE})
    assert found.status_code == 200 and 'data-testid="rating-form"' not in found.get_data(as_text=True)
    petitions.answer_with_text(db_session, actor=pward.handler, petition_id=petition.id, text="Đã thay đèn.",
                               settings=settings)
    answered = client.post("/citizens/track", {"code": petition.receipt_code, "phone": PHONE}).get_data(as_text=True)
    assert "Đã thay đèn." in answered and 'data-testid="rating-form"' in answered
    rated = client.post("/citizens/rate", {"code": petition.receipt_code, "phone": PHONE, "rating": "5"})
    assert rated.status_code == 200 and 'data-testid="thanks"' in rated.get_data(as_text=True)
    again = client.post("/citizens/rate", {"code": petition.receipt_code, "phone": PHONE, "rating": "1"})
    db_session.refresh(petition)
    assert again.status_code == 409 and petition.rating == 5


def _message(response: Any) -> str:
    match = re.search(r'data-testid="error">([^<]*)<', response.get_data(as_text=True))
    assert match
    return match.group(1)


def test_tracking_is_rate_limited_per_address(client, org, db_session):
    statuses = [client.post("/citizens/track", {"code": "AAAA-AAAA-AAAA-AAAA", "phone": PHONE}).status_code
                for _ in range(21)]
    assert statuses[:20] == [404] * 20 and statuses[20] == 429


def test_the_clerk_registers_a_hotline_petition_and_the_handler_sees_it_in_his_list(
        client, org, db_session, pward):
    client.login(pward.clerk)
    assert 'data-nav="petitions"' in client.get("/").get_data(as_text=True)
    response = client.post("/petitions/new", {**FORM, "channel": "hotline", "phone": "0987 654 321"})
    assert response.status_code == 302
    petition = db_session.execute(select(Petition)).scalar_one()
    assert petition.registered_by_id == pward.clerk.id and petition.channel.value == "hotline"
    assert client.post(f"/petitions/{petition.id}/assign", {"department_id": pward.land.id,
                                                            "handler_id": pward.handler.id}).status_code == 302
    db_session.refresh(petition)
    assert petition.status is PetitionStatus.ASSIGNED
    client.logout()
    client.login(pward.handler)
    listed = client.get("/petitions/").get_data(as_text=True)
    assert "Đèn đường tổ 5 hỏng" in listed
    page = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    assert "0987654321" in page and 'data-testid="answer-form"' in page


def test_an_official_without_petitions_sees_an_empty_list_and_the_admin_no_menu(
        client, org, db_session, pward, make_user):
    client.login(pward.other_official)
    assert client.get("/petitions/").status_code == 200
    client.logout()
    client.login(make_user(Role.ADMIN))
    assert 'data-nav="petitions"' not in client.get("/").get_data(as_text=True)
    assert client.get("/petitions/").status_code == 403


def test_r70_the_chairmans_dashboard_shows_the_on_time_and_satisfaction_shares(
        client, org, db_session, app, pward):
    settings = app.extensions["docflow.settings"]
    for rating in (5, 2):
        petition = assigned(db_session, settings, org, pward)
        petitions.answer_with_text(db_session, actor=pward.handler, petition_id=petition.id, text="Đã xử lý.",
                                   settings=settings)
        petitions.rate_answer(db_session, organisation_id=org.id, code=petition.receipt_code, phone=PHONE,
                              rating=rating)
    client.login(pward.leader)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert re.search(r'data-testid="petitions-on-time">100', page)
    assert re.search(r'data-testid="petitions-satisfied">50', page)
    client.logout()
    client.login(pward.land_head)       # a department's figures: not the ward's citizens
    assert 'data-testid="dashboard-petitions"' not in client.get("/dashboard/").get_data(as_text=True)


def test_done_when_a_petition_goes_from_the_public_form_to_a_signed_answer_and_a_rating(
        client, org, db_session, signing_settings, store, signing_ward):
    w = signing_ward
    code = _code(client.post("/citizens/petition", FORM).get_data(as_text=True))
    petition = db_session.execute(select(Petition).where(Petition.receipt_code == code)).scalar_one()
    client.login(w.clerk)
    client.post(f"/petitions/{petition.id}/assign", {"department_id": w.land.id, "handler_id": w.handler.id})
    client.logout()
    client.login(w.handler)
    drafted = client.post(f"/petitions/{petition.id}/answer", {"mode": "document", "signer_id": w.leader.id,
                                                               "answer_text": "Ủy ban đã thay đèn đường tổ 5."})
    assert drafted.status_code == 302 and "/outgoing/" in drafted.headers["Location"]
    client.logout()
    db_session.refresh(petition)
    assert petition.status is PetitionStatus.IN_PROGRESS and petition.answer_document is not None
    document = walk_to_issue(db_session, signing_settings, store, petition.answer_document, w)
    assert document.number_symbol and petition.status is PetitionStatus.ANSWERED
    tracked = client.post("/citizens/track", {"code": code, "phone": PHONE}).get_data(as_text=True)
    assert document.number_symbol in tracked and 'data-testid="rating-form"' in tracked
    assert client.post("/citizens/rate", {"code": code, "phone": PHONE, "rating": "5"}).status_code == 200
    db_session.refresh(petition)
    assert petition.rating == 5


def test_a_bad_phone_on_the_public_form_gives_the_form_back_with_a_vietnamese_message(client, org, db_session):
    response = client.post("/citizens/petition", {**FORM, "phone": "12"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nhập số điện thoại gồm 9 đến 11 chữ số." in page
    assert 'value="Nguyễn Văn An"' in page and 'data-testid="receipt-code"' not in page
    assert db_session.execute(select(Petition)).first() is None
