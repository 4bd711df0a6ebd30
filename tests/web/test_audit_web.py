"""The auditor's screens: log search with keyset paging, a document's signature chain, access changes for
leaders to confirm, and an auditor who can change nothing anywhere."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from docflow.errors import PermissionDeniedError
from docflow.models import AuditEvent, Role
from docflow.models.routing import SigningMode
from docflow.services import audit
from docflow.services.people import delegations
from docflow.services.audit import AuditAction
from docflow.services.people import update_user
from tests.services.signatures.test_chaincheck import _issued
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture


def _seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'<tr data-seq="(\d+)"', html)]


def test_auditors_search_the_log_by_user_document_action_and_day(client, make_user, make_document, db_session):
    auditor, clerk = make_user(Role.AUDITOR), make_user(Role.CLERK)
    document = make_document(clerk)
    for n in range(3):
        audit.record(db_session, action=AuditAction.DOCUMENT_VIEWED, actor=clerk, object_type="document",
                     object_id=document.id, details={"n": n})
    client.login(auditor)

    by_document = client.get(f"/audit/?document={document.id}").get_data(as_text=True)
    mine = db_session.execute(select(AuditEvent.seq).where(AuditEvent.object_id == str(document.id),
                                                           AuditEvent.object_type == "document")
                              .order_by(AuditEvent.seq.desc())).scalars().all()
    assert _seqs(by_document) == list(mine)
    by_user_and_action = client.get(f"/audit/?user={clerk.username}&action=document.viewed").get_data(as_text=True)
    assert len(_seqs(by_user_and_action)) == 3
    today = date.today()
    assert _seqs(client.get(f"/audit/?document={document.id}&from={today + timedelta(days=2)}").get_data(as_text=True)) == []
    assert len(_seqs(client.get(f"/audit/?document={document.id}&from={today - timedelta(days=1)}"
                                f"&to={today + timedelta(days=1)}").get_data(as_text=True))) == len(mine)


def test_the_log_pages_by_sequence_number_keeping_the_filters(client, make_user, make_document, db_session, monkeypatch):
    from docflow.services.audit import search as audit_search
    monkeypatch.setattr(audit_search, "PAGE", 2)
    auditor, clerk = make_user(Role.AUDITOR), make_user(Role.CLERK)
    document = make_document(clerk)
    for _ in range(4):
        audit.record(db_session, action=AuditAction.DOCUMENT_VIEWED, actor=clerk, object_type="document",
                     object_id=document.id)
    client.login(auditor)
    first = client.get(f"/audit/?action=document.viewed&user={clerk.username}").get_data(as_text=True)
    older = re.search(r'href="([^"]+)" data-testid="older"', first)
    assert older and len(_seqs(first)) == 2
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(_seqs(second)) == 2 and max(_seqs(second)) < min(_seqs(first))
    assert 'data-testid="older"' not in second


def test_an_auditor_sees_an_issued_documents_chain_checked_from_its_page(client, db_session, signing_settings, store,
                                                                          ward, make_user):
    document = _issued(db_session, signing_settings, store, ward)
    auditor = make_user(Role.AUDITOR)
    client.login(auditor)
    detail = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert f'/audit/documents/{document.id}/chain' in detail

    page = client.get(f"/audit/documents/{document.id}/chain")

    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-verdict="ok"' in html and 'data-kind="organisation"' in html
    assert 'data-verdict="problem"' not in html


def test_a_leader_confirms_a_change_of_rights_and_officials_cannot_see_the_list(client, make_user, db_session):
    admin, leader, official = make_user(Role.ADMIN), make_user(Role.LEADER), make_user(Role.OFFICIAL)
    update_user(db_session, actor=admin, user_id=official.id, role=Role.CLERK, post="",
                department_id=official.department_id, full_name=official.full_name)
    seq = db_session.execute(select(AuditEvent.seq).where(AuditEvent.action == "user.updated")
                             .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    client.login(leader)
    assert seq in _seqs(client.get("/audit/access-changes").get_data(as_text=True))
    assert client.get("/audit/").status_code == 403  # leaders come only for the confirmations
    assert client.post(f"/audit/access-changes/{seq}/confirm", csrf=False).status_code == 400
    assert client.post(f"/audit/access-changes/{seq}/confirm").status_code == 302
    assert seq not in _seqs(client.get("/audit/access-changes").get_data(as_text=True))
    client.post("/logout")
    client._token = None  # a new session
    client.login(official)
    assert client.get("/audit/access-changes").status_code == 403


# --- an auditor changes nothing ----------------------------------------------------------------------------

AUDITOR_MAY_POST = {"auth.login", "auth.logout", "auth.set_language", "auth.change_password", "signing.pki_ocsp",
                    "signing.verify_document", "signing.verify_upload", "audit.verify", "audit.create_checkpoint",
                    "audit.build_evidence", "audit.build_register_evidence"}


def test_every_state_changing_route_refuses_an_auditor(app, client, make_user, make_document, db_session):
    auditor, clerk = make_user(Role.AUDITOR), make_user(Role.CLERK)
    document = make_document(clerk)
    ids = {"document_id": document.id, "user_id": clerk.id}
    client.login(auditor)
    checked = []
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}
        # The API takes no session at all (tests/security/test_api_refusals.py: a cookie is refused 401).
        if not methods or rule.endpoint in AUDITOR_MAY_POST or rule.rule.startswith("/api/"):
            continue
        url = rule.build({arg: ids.get(arg, 1) for arg in rule.arguments}, append_unknown=False)[1]
        for method in methods:
            response = client.client.open(url, method=method, data={"csrf_token": client.token()})
            assert response.status_code == 403, f"{method} {rule.rule} gave {response.status_code}"
            checked.append(rule.endpoint)
    assert len(checked) >= 30 and "documents.edit" in checked and "admin.edit_user" in checked


def test_the_services_refuse_an_auditor_too(db_session, make_user, make_document, store):
    import io

    from docflow.services import documents as doc_service
    from docflow.services.documents import DocumentInput, UploadedFile
    from docflow.services.people import access_changes
    from docflow.services import outgoing as issuing
    from docflow.services import signatures as signing_service
    from docflow.services.people import set_user_active
    from docflow.signing.base import SignatureKind
    from tests.conftest import pdf_bytes
    auditor, clerk, chairman, head = (make_user(Role.AUDITOR), make_user(Role.CLERK), make_user(Role.LEADER),
                                      make_user(Role.HEAD))
    chairman.post = "Chủ tịch"
    document = make_document(clerk)
    refusals = [
        lambda: doc_service.upload_document(db_session, actor=auditor, store=store, max_bytes=10 ** 7,
                                            data=DocumentInput(kind=document.kind, doc_type="cong_van", summary="x",
                                                               department_id=None),
                                            upload=UploadedFile(io.BytesIO(pdf_bytes()), "x.pdf")),
        lambda: doc_service.add_version(db_session, actor=auditor, document_id=document.id, store=store,
                                        max_bytes=10 ** 7, upload=UploadedFile(io.BytesIO(pdf_bytes()), "x.pdf")),
        lambda: update_user(db_session, actor=auditor, user_id=clerk.id, role=Role.ADMIN, post="",
                            department_id=None, full_name="x"),
        lambda: set_user_active(db_session, actor=auditor, user_id=clerk.id, active=False),
        lambda: delegations.create_delegation(db_session, actor=auditor, delegate_id=head.id,
                                              delegator_id=chairman.id, mode=SigningMode.TL, doc_types=None,
                                              valid_from=date.today(), valid_to=None),
        lambda: signing_service.sign_version(db_session, settings=None, store=store, actor=auditor,
                                             document_id=document.id, kind=SignatureKind.PERSONAL, pin="x",
                                             expected_version=None),
        lambda: issuing.issue_document(db_session, actor=auditor, settings=None, store=store,
                                       document_id=document.id, pin="x"),
        lambda: issuing.recall_document(db_session, actor=auditor, document_id=document.id, reason="x"),
        lambda: access_changes.confirm_change(db_session, actor=auditor, seq=1),
    ]
    for attempt in refusals:
        with pytest.raises(PermissionDeniedError):
            attempt()


# --- checkpoints, chain verification and evidence packs on the screens ---------------------------------------

@pytest.fixture
def signed_checkpoints(app, db_session, issue_cert, signing_settings):
    from docflow.services.audit import checkpoints as audit_checkpoints
    from docflow.services.audit import CHECKPOINTER
    from docflow.signing.base import CertificateKind
    issue_cert(None, CertificateKind.SYSTEM)
    audit_checkpoints.install(app.extensions["docflow.sessionmaker"], signing_settings)
    db_session.info[CHECKPOINTER] = audit_checkpoints.Checkpointer(signing_settings)
    yield
    db_session.info.pop(CHECKPOINTER, None)


def test_an_auditor_signs_a_checkpoint_sees_it_verified_and_verifies_the_chain(client, make_user, signed_checkpoints):
    client.login(make_user(Role.AUDITOR))
    assert client.post("/audit/checkpoints").status_code == 302
    page = client.get("/audit/checkpoints").get_data(as_text=True)
    assert 'data-verdict="ok"' in page and 'data-verdict="problem"' not in page
    report = client.post("/audit/verify").get_data(as_text=True)
    assert 'alert-success" data-testid="chain-report"' in report


def test_an_auditor_downloads_a_documents_evidence_pack_that_verifies(client, db_session, signing_settings, store,
                                                                       ward, make_user, signed_checkpoints, tmp_path):
    from docflow.auditlog.evidencepack import verify_pack
    from docflow.services.keys import root_certificates_pem
    document = _issued(db_session, signing_settings, store, ward)
    client.login(make_user(Role.AUDITOR))
    assert 'data-testid="download-evidence"' in client.get(f"/audit/documents/{document.id}/chain").get_data(as_text=True)

    response = client.post(f"/audit/documents/{document.id}/evidence")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    path = tmp_path / "pack.zip"
    path.write_bytes(response.get_data())
    assert verify_pack(path, root_certificates_pem(signing_settings)).ok
    last = db_session.execute(select(AuditEvent).where(AuditEvent.action == "evidence.exported")
                              .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert last.object_id == str(document.id)


# --- what is logged ---------------------------------------------------------------------------------------

def test_a_verification_run_is_audited(client, make_user, make_document, db_session):
    document = make_document(make_user(Role.CLERK))
    auditor = make_user(Role.AUDITOR)
    client.login(auditor)
    assert client.post(f"/documents/{document.id}/verify").status_code == 302
    event = db_session.execute(select(AuditEvent).where(AuditEvent.action == "document.verified")
                               .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert (event.actor_id, event.object_id, event.details["valid"]) == (auditor.id, str(document.id), False)


def test_making_a_document_confidential_grants_the_editor_access_and_flags_it(db_session, make_user, make_document):
    import dataclasses

    from docflow.models import Confidentiality
    from docflow.services.people import access_changes
    from docflow.services import documents as doc_service
    from docflow.services.documents import DocumentInput
    clerk, leader = make_user(Role.CLERK), make_user(Role.LEADER)
    document = make_document(clerk)
    data = DocumentInput(kind=document.kind, doc_type=document.doc_type, summary=document.summary,
                         department_id=document.department_id, issuing_body=document.issuing_body)
    doc_service.edit_metadata(db_session, actor=clerk, document_id=document.id, expected_row_version=None,
                              data=dataclasses.replace(data, confidentiality=Confidentiality.CONFIDENTIAL))
    flagged = [c.event for c in access_changes.unconfirmed_changes(db_session, actor=leader)]
    assert any(e.action == "document.access_granted" and e.object_id == str(document.id) for e in flagged)


def test_an_auditor_downloads_a_register_range_pack(client, db_session, signing_settings, store, ward, make_user,
                                                    signed_checkpoints, tmp_path):
    import zipfile
    first, second = (_issued(db_session, signing_settings, store, ward) for _ in range(2))
    client.login(make_user(Role.AUDITOR))
    assert 'data-testid="register-evidence"' in client.get("/audit/checkpoints").get_data(as_text=True)
    response = client.post("/audit/evidence/register", {"kind": "outgoing", "year": first.document_date.year,
                                                        "first": first.register_number,
                                                        "last": second.register_number})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.get_data())).namelist()
    assert f"documents/{first.id}/v3.pdf" in names and f"documents/{second.id}/v3.pdf" in names
    assert client.post("/audit/evidence/register", {"kind": "secret", "year": 2026, "first": 1,
                                                    "last": 2}).status_code == 400


def test_the_audit_page_shows_vietnamese_as_written(client, make_user, make_document):
    make_document(make_user(Role.CLERK), summary="Trích yếu")
    admin = make_user(Role.ADMIN, full_name="Quản trị")
    client.login(admin)
    client.post("/admin/departments", {"name": "Văn hóa mới", "code": "VHM"})
    html = client.get("/audit/").get_data(as_text=True)
    assert "Văn hóa mới" in html and "\\u" not in html
