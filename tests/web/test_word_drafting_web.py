"""Drafting from Word on the web: the Decree 30 templates a drafter downloads (filled with the ward, its
place and the drafter's unit), the draft form that takes a .docx, and the Word source on the draft's page."""

from __future__ import annotations

import io
from typing import Any

import docx
from sqlalchemy.orm import Session

from docflow.services.drafting import TEMPLATE_TYPES
from tests.web.test_outgoing_web import people  # noqa: F401 - the fixture
from tests.wordconvert import ConvertedTemplate, needs_soffice

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [p.text for table in document.tables for row in table.rows for cell in row.cells for p in cell.paragraphs]
    return "\n".join([*cells, *(p.text for p in document.paragraphs)])


def test_annex1_drafter_downloads_each_template_with_the_wards_name_place_and_unit(
        client: Any, people: dict[str, Any], db_session: Session) -> None:
    assert client.login(people["drafter"]).status_code == 302
    page = client.get("/outgoing/new").get_data(as_text=True)
    for code in TEMPLATE_TYPES:
        assert f'href="/outgoing/templates/{code}.docx"' in page
        response = client.get(f"/outgoing/templates/{code}.docx")
        assert response.status_code == 200 and response.mimetype == DOCX_TYPE
        assert "attachment" in response.headers["Content-Disposition"]
        text = _text(response.get_data())
        assert "ỦY BAN NHÂN DÂN\nPHƯỜNG THỬ NGHIỆM" in text and "Độc lập - Tự do - Hạnh phúc" in text
        assert "Thử Nghiệm, ngày      tháng      năm 20" in text
        assert "- Lưu: VT, ĐC." in text      # the drafter's unit (Địa chính)
    assert "Số:      /UBND-ĐC" in _text(client.get("/outgoing/templates/cong_van.docx").get_data())
    assert "Số:      /QĐ-UBND" in _text(client.get("/outgoing/templates/quyet_dinh.docx").get_data())
    assert client.get("/outgoing/templates/khong_co.docx").status_code == 404


@needs_soffice
def test_art10_drafter_uploads_a_docx_on_the_draft_form_and_finds_its_source_on_the_draft(
        client: Any, people: dict[str, Any], db_session: Session,
        converted_templates: dict[str, ConvertedTemplate]) -> None:
    source = converted_templates["to_trinh"].docx
    assert client.login(people["drafter"]).status_code == 302
    response = client.post("/outgoing/new", {"doc_type": "to_trinh", "summary": "Tờ trình thử",
                                             "signer_id": people["leader"].id,
                                             "file": (io.BytesIO(source), "to-trinh.docx")})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.location).get_data(as_text=True)
    assert 'data-testid="source-link"' in page and "to-trinh.docx" in page
    document_id = int(response.location.rstrip("/").split("/")[-1])
    download = client.get(f"/outgoing/{document_id}/versions/1/source")
    assert download.status_code == 200 and download.get_data() == source and download.mimetype == DOCX_TYPE
    pdf = client.get(f"/documents/{document_id}/versions/1/download")
    assert pdf.get_data().startswith(b"%PDF") and b"pdfaid:part" in pdf.get_data()
