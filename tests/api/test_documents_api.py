"""/api/v1/documents: the list, one document, its versions and a version's PDF, as the user may see them."""

from __future__ import annotations

from sqlalchemy import select

from docflow.models import AuditEvent, Confidentiality, DocumentKind, Role
from docflow.services.audit import AuditAction
from tests.conftest import pdf_bytes


def test_the_list_has_the_documents_the_user_may_see_in_pages(api_as, make_user, make_document):
    clerk = make_user(Role.CLERK)
    made = [make_document(clerk, summary=f"Về việc số {i}") for i in range(3)]
    answer = api_as(clerk).get("/api/v1/documents?page_size=2&order=asc")
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers and answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert body["total"] >= 3 and body["page_size"] == 2 and len(body["items"]) == 2
    ids = {item["id"] for item in api_as(clerk).get("/api/v1/documents?page_size=100").get_json()["items"]}
    assert {d.id for d in made} <= ids


def test_the_list_filters_by_kind_and_text(api_as, make_user, make_document):
    clerk = make_user(Role.CLERK)
    incoming = make_document(clerk, summary="Về việc phòng chống lụt bão")
    make_document(clerk, kind=DocumentKind.OUTGOING, summary="Về việc khác hẳn")
    body = api_as(clerk).get("/api/v1/documents?kind=incoming&q=lụt bão").get_json()
    assert [item["id"] for item in body["items"]] == [incoming.id]


def test_one_document_comes_with_its_versions(api_as, make_user, make_document):
    clerk = make_user(Role.CLERK)
    document = make_document(clerk, number_symbol="12/UBND-VP")
    body = api_as(clerk).get(f"/api/v1/documents/{document.id}").get_json()
    assert body["id"] == document.id and body["number_symbol"] == "12/UBND-VP"
    assert body["kind"] == "incoming" and [v["number"] for v in body["versions"]] == [1]
    assert api_as(clerk).get(f"/api/v1/documents/{document.id}/versions").get_json()["items"][0]["sha256"] \
        == document.versions[0].sha256


def test_a_version_file_is_the_stored_pdf(api_as, make_user, make_document):
    clerk = make_user(Role.CLERK)
    content = pdf_bytes("api-file")
    document = make_document(clerk, content=content)
    answer = api_as(clerk).get(f"/api/v1/documents/{document.id}/versions/1/file")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data == content


def test_a_missing_document_or_version_is_a_json_404(api_as, make_user, make_document):
    clerk = make_user(Role.CLERK)
    document = make_document(clerk)
    for url in ("/api/v1/documents/999999", f"/api/v1/documents/{document.id}/versions/7/file"):
        answer = api_as(clerk).get(url)
        assert answer.status_code == 404
        assert answer.get_json()["status"] == 404 and answer.get_json()["error"]


def test_r49_every_call_leaves_one_audit_row_with_the_route_template(api_as, make_user, make_document, db_session):
    clerk = make_user(Role.CLERK)
    document = make_document(clerk)
    api_as(clerk).get(f"/api/v1/documents/{document.id}")
    rows = list(db_session.execute(select(AuditEvent).where(AuditEvent.action == str(AuditAction.API_CALLED))
                                   .order_by(AuditEvent.seq.desc())).scalars())
    assert rows[0].actor_id == clerk.id
    assert rows[0].details["path"] == "/api/v1/documents/<int:document_id>"
    assert rows[0].details["method"] == "GET" and rows[0].details["status"] == 200


def test_a_confidential_download_is_audited_as_on_the_screen(api_as, make_user, make_document, db_session):
    clerk, leader = make_user(Role.CLERK), make_user(Role.LEADER)
    document = make_document(clerk, confidentiality=Confidentiality.CONFIDENTIAL)
    answer = api_as(leader).get(f"/api/v1/documents/{document.id}/versions/1/file")
    assert answer.status_code == 200
    downloads = list(db_session.execute(select(AuditEvent).where(
        AuditEvent.action == str(AuditAction.DOCUMENT_DOWNLOADED), AuditEvent.object_id == str(document.id))
    ).scalars())
    assert [event.actor_id for event in downloads] == [leader.id]
