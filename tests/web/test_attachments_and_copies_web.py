"""Attachments on the outgoing page and the copy register on screen (Decree 30: R29, R30, R15, R45)."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import select

from docflow.models import Attachment, DocumentCopy
from docflow.signing.verify import verify_pdf
from docflow.services.signatures.reports import trust_settings
from tests.conftest import SIGNING_PIN, pdf_bytes
from tests.web.test_outgoing_web import _active, _draft, _follow, _switch, people  # noqa: F401


def _attach(client: Any, document_id: int, kind: str = "appendix", title: str = "Danh sách") -> str:
    return _follow(client, client.post(f"/documents/{document_id}/attachments",
                                       {"kind": kind, "title": title, "file": (io.BytesIO(pdf_bytes()), "pl.pdf")},
                                       content_type="multipart/form-data"))


def _to_issued_with_appendices(client: Any, db_session: Any, people: dict[str, Any]) -> int:
    client.login(people["drafter"])
    document_id = _draft(client, people)
    _attach(client, document_id, title="Danh sách thành viên")
    html = _attach(client, document_id, title="Kế hoạch")
    assert "Phụ lục I" in html and "Phụ lục II" in html and 'data-testid="attachment-form"' in html
    _follow(client, client.post(f"/outgoing/{document_id}/route"))
    for reviewer in ("land_head", "office_head"):
        _switch(client, people[reviewer])
        _follow(client, client.post(f"/outgoing/{document_id}/steps/{_active(db_session, document_id).id}/approve"))
    _switch(client, people["leader"])
    _follow(client, client.post(f"/outgoing/{document_id}/steps/{_active(db_session, document_id).id}/sign",
                                {"pin": SIGNING_PIN}))
    _switch(client, people["clerk"])
    html = _follow(client, client.post(f"/outgoing/{document_id}/issue", {"pin": SIGNING_PIN}))
    assert 'data-status="issued"' in html and html.count('data-testid="attachment-signed"') == 2
    return document_id


def test_r29_r30_appendices_are_added_on_the_draft_and_signed_at_issue(client, db_session, people, store,
                                                                        signing_settings):
    document_id = _to_issued_with_appendices(client, db_session, people)
    rows = db_session.execute(select(Attachment).where(Attachment.document_id == document_id)
                              .execution_options(populate_existing=True)).scalars().all()

    response = client.get(f"/documents/{document_id}/attachments/{rows[0].id}/download")

    assert response.status_code == 200 and response.data == store.read(rows[0].signed_sha256)
    assert verify_pdf(response.data, trust_settings(signing_settings)).valid
    _switch(client, people["reader"])   # a department outside the document's: no access to it, nor to its files
    assert client.get(f"/documents/{document_id}/attachments/{rows[0].id}/download").status_code in (403, 404)


def test_r29_a_reviewer_cannot_attach_by_url_and_the_form_is_not_offered(client, db_session, people):
    client.login(people["drafter"])
    document_id = _draft(client, people)
    _switch(client, people["land_head"])
    page = client.get(f"/outgoing/{document_id}").get_data(as_text=True)
    assert 'data-testid="attachment-form"' not in page

    response = client.post(f"/documents/{document_id}/attachments",
                           {"kind": "appendix", "file": (io.BytesIO(pdf_bytes()), "pl.pdf")},
                           content_type="multipart/form-data")

    assert response.status_code == 403
    assert db_session.execute(select(Attachment)).first() is None


def test_r15_r45_the_clerk_copies_an_issued_document_and_the_register_lists_it(client, db_session, people, store):
    document_id = _to_issued_with_appendices(client, db_session, people)
    page = client.get(f"/outgoing/{document_id}").get_data(as_text=True)
    assert 'data-testid="copy-form"' in page

    html = _follow(client, client.post(f"/copies/from/{document_id}", {"form": "sao_y", "pin": SIGNING_PIN}))

    copy = db_session.execute(select(DocumentCopy)).scalar_one()
    assert 'data-testid="copy-row"' in html and copy.number_symbol in html and copy.number_symbol.startswith("01/SY-")
    csv = client.get(f"/copies/export.csv?year={copy.year}")
    assert csv.status_code == 200 and copy.number_symbol in csv.data.decode("utf-8")
    pdf = client.get(f"/copies/export.pdf?year={copy.year}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    download = client.get(f"/copies/{copy.id}/download")
    assert download.status_code == 200 and download.data == store.read(copy.sha256)


def test_r33_an_official_neither_reads_the_copy_register_nor_copies(client, db_session, people):
    client.login(people["drafter"])
    assert client.get("/copies/").status_code == 403
    response = client.post("/copies/paper", {"form": "sao_y", "original_reference": "x", "pin": SIGNING_PIN,
                                             "file": (io.BytesIO(pdf_bytes()), "scan.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 403
    assert db_session.execute(select(DocumentCopy)).first() is None


def test_r29_an_internal_document_takes_attachments_on_its_page(client, db_session, people, make_document):
    from docflow.models import DocumentKind
    document = make_document(people["drafter"], kind=DocumentKind.INTERNAL, department=people["land"])
    client.login(people["drafter"])

    html = _attach(client, document.id, kind="attachment", title="Bảng kê")

    assert 'data-testid="attachment"' in html and "Bảng kê" in html and 'data-testid="copy-form"' not in html
    _switch(client, people["reader"])
    assert client.get(f"/documents/{document.id}").status_code == 403
