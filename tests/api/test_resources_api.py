"""The API's other resources, each as the screens answer it: registers and their entries, the clerk's
registration of an incoming PDF (R42: its signatures verified at once; the duplicate warning), an outgoing
document's state and recipients, the exchange status, verification of a PDF, and search."""

from __future__ import annotations

import io

from sqlalchemy import select

from docflow.models import AuditEvent, DocumentKind, Role
from docflow.services.audit import AuditAction
from tests.conftest import pdf_bytes
from tests.services.outgoing.test_outgoing import _issue, _signed, ward  # noqa: F401 - the ward fixture


def _registration(**extra):
    return {"file": (io.BytesIO(extra.pop("content", None) or pdf_bytes("api-incoming")), "cv.pdf"),
            "doc_type": "cong_van", "summary": "Về việc lịch tiếp công dân", "issuing_body": "UBND quận Thử Nghiệm",
            "number_symbol": "15/UBND-VP", "document_date": "2026-12-01", "urgency": "urgent", **extra}


def test_r42_the_clerk_registers_an_incoming_pdf_through_the_api(api_as, make_user, db_session):
    clerk = make_user(Role.CLERK)
    answer = api_as(clerk, ("incoming:write",)).post("/api/v1/incoming", data=_registration())
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["kind"] == "incoming" and body["number"] >= 1 and body["urgency"] == "urgent"
    assert body["number_symbol"] == "15/UBND-VP" and body["verification"] is None   # an unsigned PDF
    registered = db_session.execute(select(AuditEvent).where(
        AuditEvent.action == str(AuditAction.INCOMING_REGISTERED), AuditEvent.object_id == str(body["id"]))
    ).scalar_one()
    call = db_session.execute(select(AuditEvent).where(AuditEvent.action == str(AuditAction.API_CALLED))
                              .order_by(AuditEvent.seq.desc())).scalars().first()
    assert call.details["status"] == 201 and call.seq == registered.seq + 1   # one transaction, in order


def test_r49_a_second_registration_of_the_same_number_is_a_409_until_confirmed(api_as, make_user):
    caller = api_as(make_user(Role.CLERK), ("incoming:write",))
    assert caller.post("/api/v1/incoming", data=_registration(content=pdf_bytes("one"))).status_code == 201
    again = caller.post("/api/v1/incoming", data=_registration(content=pdf_bytes("two")))
    assert again.status_code == 409 and again.get_json()["status"] == 409
    confirmed = caller.post("/api/v1/incoming", data=_registration(content=pdf_bytes("two"), confirm_duplicate="1"))
    assert confirmed.status_code == 201 and confirmed.get_json()["duplicate_of"]


def test_a_registration_without_a_file_or_summary_is_a_400(api_as, make_user):
    caller = api_as(make_user(Role.CLERK), ("incoming:write",))
    no_file = {k: v for k, v in _registration().items() if k != "file"}
    assert caller.post("/api/v1/incoming", data=no_file).status_code == 400
    assert caller.post("/api/v1/incoming", data=_registration(summary="")).status_code == 400
    assert caller.post("/api/v1/incoming", data=_registration(file=(io.BytesIO(b"not a pdf"), "x.pdf"))
                       ).status_code == 400


def test_the_registers_and_their_entries(api_as, make_user, make_document):
    clerk = make_user(Role.CLERK)
    document = make_document(clerk, summary="Về việc sổ đăng ký")
    caller = api_as(clerk, ("registers:read",))
    year = document.created_at.year
    listed = caller.get(f"/api/v1/registers?year={year}").get_json()
    assert {item["kind"] for item in listed["items"]} == {"incoming", "outgoing", "resolution"}
    assert next(i for i in listed["items"] if i["kind"] == "incoming")["entries"] >= 1
    entries = caller.get(f"/api/v1/registers/{year}/incoming/entries?order=desc").get_json()
    assert entries["items"][0]["document_id"] == document.id
    assert caller.get(f"/api/v1/registers/{year}/nothing/entries").status_code == 404


def test_an_official_may_not_read_the_registers_through_the_api(api_as, make_user):
    assert api_as(make_user(Role.OFFICIAL), ("registers:read",)).get("/api/v1/registers").status_code == 403


def test_an_issued_documents_state_recipients_and_exchange_status(api_as, db_session, signing_settings, store, ward):
    document = _signed(db_session, signing_settings, store, ward)
    draft_state = api_as(ward.clerk).get(f"/api/v1/outgoing/{document.id}").get_json()
    assert draft_state["number_symbol"] is None and all(r["status"] == "pending" for r in draft_state["recipients"])
    _issue(db_session, signing_settings, store, document, ward.clerk)
    state = api_as(ward.clerk).get(f"/api/v1/outgoing/{document.id}").get_json()
    assert state["status"] == "issued" and state["number_symbol"] and state["register_number"] >= 1
    assert {r["name"] for r in state["recipients"]} == {ward.culture.name, "Sở Tư pháp tỉnh Bắc Ninh"}
    assert all(r["status"] == "sent" and r["sent_at"] for r in state["recipients"])
    exchange = api_as(ward.clerk).get(f"/api/v1/exchange/{document.id}/recipients").get_json()
    assert [(r["name"], r["external"]) for r in exchange["items"]] == [("Sở Tư pháp tỉnh Bắc Ninh", True)]


def test_an_incoming_document_has_no_outgoing_status(api_as, make_user, make_document):
    clerk = make_user(Role.CLERK)
    document = make_document(clerk, kind=DocumentKind.INCOMING)
    assert api_as(clerk).get(f"/api/v1/outgoing/{document.id}").status_code == 404
    assert api_as(clerk).get(f"/api/v1/exchange/{document.id}/recipients").status_code == 404


def test_the_verification_of_an_issued_pdf_says_valid_and_which_document(api_as, db_session, signing_settings,
                                                                        store, ward):
    document = _signed(db_session, signing_settings, store, ward)
    _issue(db_session, signing_settings, store, document, ward.clerk)
    content = store.read(document.current_version.sha256)
    answer = api_as(ward.land_head, ("verify",)).post("/api/v1/verify", data={"file": (io.BytesIO(content), "qd.pdf")})
    assert answer.status_code == 200
    report = answer.get_json()
    assert report["valid"] is True and len(report["signatures"]) >= 2
    assert report["issued"]["document_id"] == document.id


def test_the_verification_of_an_unsigned_pdf_is_not_valid_and_garbage_is_a_400(api_as, make_user):
    caller = api_as(make_user(Role.OFFICIAL), ("verify",))
    report = caller.post("/api/v1/verify", data={"file": (io.BytesIO(pdf_bytes("plain")), "a.pdf")}).get_json()
    assert report["valid"] is False and report["signatures"] == [] and report["issued"] is None
    assert caller.post("/api/v1/verify", data={"file": (io.BytesIO(b"%PDF-garbage"), "a.pdf")}).status_code == 400
    assert caller.post("/api/v1/verify", data={}).status_code == 400


def test_search_finds_by_words_with_a_snippet(api_as, make_user, make_document):
    clerk = make_user(Role.CLERK)
    document = make_document(clerk, summary="Về việc phòng chống dịch sốt xuất huyết")
    body = api_as(clerk, ("search",)).get("/api/v1/search?q=sốt xuất huyết").get_json()
    assert [hit["document"]["id"] for hit in body["items"]] == [document.id]
    assert "xuất huyết" in body["items"][0]["snippet"]
    assert api_as(clerk, ("search",)).get("/api/v1/search").get_json()["items"] == []
