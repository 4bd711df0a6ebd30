"""Drafting from Word (Decree 30, Art. 10: the drafter uploads the draft to the System): a .docx made from a
Decree 30 template is converted to PDF/A-2b, keeps its source beside the PDF as part of the version, and
goes through review, the signer's signature and issue, where the number and date fill the fields that lie
over its blank lines. Real LibreOffice (converted once per session), real database, real signing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.convert import MEDIA_TYPES, SourceKind, pdfa_identification
from docflow.models import AuditEvent, DocumentStatus, VersionSource
from docflow.services import drafting, outgoing
from docflow.services import signatures as signing_service
from docflow.services.documents import UploadedFile
from docflow.services.formatcheck.settings import restore_defaults
from docflow.signing.fields import read_text_fields
from tests.conftest import pdf_bytes
from tests.services.outgoing.test_outgoing import Ward, _approve, _issue, _sign, ward  # noqa: F401 - the fixture
from tests.wordconvert import ConvertedTemplate


@pytest.fixture(scope="session")
def word_upload(app: Flask, converted_templates: dict[str, ConvertedTemplate]) -> tuple[bytes, UploadedFile]:
    """The quyết định template as a drafter uploads it, converted and stored once for the session."""
    docx = converted_templates["quyet_dinh"].docx
    upload = drafting.receive_word_upload(app.extensions["docflow.store"],
                                          UploadedFile(io.BytesIO(docx), "Quyết định tổ công tác.docx"),
                                          settings=app.extensions["docflow.settings"])
    return docx, upload


def _input(w: Ward, doc_type: str = "quyet_dinh") -> outgoing.DraftInput:
    return outgoing.DraftInput(doc_type=doc_type, summary="Về việc thành lập tổ công tác", signer_id=w.leader.id,
                               recipient_department_ids=[w.culture.id])


def _source_rows(db_session: Session, version_id: int) -> list[VersionSource]:
    return list(db_session.execute(select(VersionSource).where(VersionSource.version_id == version_id)).scalars())


def _rects(pdf: bytes) -> dict[str, list[float]]:
    reader = PdfReader(io.BytesIO(pdf))
    return {str(a.get_object()["/T"]): [round(float(v), 1) for v in a.get_object()["/Rect"]]
            for page in reader.pages for a in page.get("/Annots") or [] if a.get_object().get("/T") is not None}


def test_art10_drafter_uploads_draft_from_word_and_the_source_is_kept_beside_the_pdf(
        db_session: Session, store: Any, ward: Ward, word_upload: tuple[bytes, UploadedFile]) -> None:
    docx, upload = word_upload
    document = outgoing.create_draft(db_session, actor=ward.drafter, data=_input(ward), upload=upload, store=store,
                                     max_bytes=10 ** 7)
    version = document.current_version
    assert (version.number, version.original_filename) == (1, "Quyết định tổ công tác.pdf")
    pdf = store.read(version.sha256)
    assert pdfa_identification(pdf) == ("2", "B")
    assert {n: f.value for n, f in read_text_fields(pdf).items()} == {"so_ky_hieu": "", "ngay_ban_hanh": ""}
    assert "personal_1" in (PdfReader(io.BytesIO(pdf)).get_fields() or {})
    [source] = _source_rows(db_session, version.id)
    assert store.read(source.sha256) == docx
    assert (source.organisation_id, source.original_filename, source.media_type, source.size) == (
        document.organisation_id, "Quyết định tổ công tác.docx", MEDIA_TYPES[SourceKind.DOCX], len(docx))
    uploaded = db_session.execute(select(AuditEvent).where(AuditEvent.object_id == str(document.id),
                                                           AuditEvent.action == "document.uploaded")).scalar_one()
    assert uploaded.details["source_sha256"] == source.sha256


def test_art10_the_source_is_downloadable_by_whoever_may_view_the_document(
        db_session: Session, store: Any, ward: Ward, word_upload: tuple[bytes, UploadedFile]) -> None:
    docx, upload = word_upload
    document = outgoing.create_draft(db_session, actor=ward.drafter, data=_input(ward), upload=upload, store=store,
                                     max_bytes=10 ** 7)
    for viewer in (ward.drafter, ward.leader):
        source, stream = drafting.open_source(db_session, actor=viewer, document_id=document.id, version_number=1,
                                              store=store)
        with stream:
            assert stream.read() == docx
        assert source.media_type == MEDIA_TYPES[SourceKind.DOCX]
    assert list(drafting.sources_of(db_session, document)) == [1]


def test_art10_a_new_version_from_word_carries_its_own_source(
        db_session: Session, store: Any, ward: Ward, word_upload: tuple[bytes, UploadedFile]) -> None:
    _, upload = word_upload
    document = outgoing.create_draft(db_session, actor=ward.drafter, data=_input(ward), store=store,
                                     max_bytes=10 ** 7, upload=UploadedFile(io.BytesIO(pdf_bytes()), "du-thao.pdf"))
    version = outgoing.add_draft_version(db_session, actor=ward.drafter, document_id=document.id, upload=upload,
                                         store=store, max_bytes=10 ** 7, note="Soạn lại bằng Word")
    assert version.number == 2
    assert _source_rows(db_session, document.versions[0].id) == []
    assert list(drafting.sources_of(db_session, document)) == [2]
    events = db_session.execute(select(AuditEvent).where(AuditEvent.object_id == str(document.id),
                                                         AuditEvent.action == "document.version_added")).scalars()
    assert [e.details.get("source_filename") for e in events] == ["Quyết định tổ công tác.docx"]


def test_r1_a_word_draft_is_reviewed_signed_and_issued_with_its_number_and_date_over_the_blank_lines(
        db_session: Session, store: Any, ward: Ward, signing_settings: Any,
        word_upload: tuple[bytes, UploadedFile]) -> None:
    restore_defaults(db_session, organisation_id=ward.drafter.organisation_id)   # Decree 30's blocking policy
    _, upload = word_upload
    document = outgoing.create_draft(db_session, actor=ward.drafter, data=_input(ward), upload=upload, store=store,
                                     max_bytes=10 ** 7, settings=signing_settings)
    placed = _rects(store.read(document.current_version.sha256))
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
    assert len(document.versions) == 1          # the fields were there: no version added to place them
    _approve(db_session, document, ward.land_head)
    _approve(db_session, document, ward.office_head)
    _sign(db_session, signing_settings, store, document, ward.leader)
    _issue(db_session, signing_settings, store, document, ward.clerk)
    assert (document.status, document.number_symbol) == (DocumentStatus.ISSUED, "01/QĐ-UBND")
    data = store.read(document.current_version.sha256)
    reader = PdfReader(io.BytesIO(data))
    fields = reader.get_fields() or {}
    assert fields["so_ky_hieu"]["/V"] == "Số: 01/QĐ-UBND"
    assert fields["ngay_ban_hanh"]["/V"].startswith("Thử Nghiệm, ngày ")
    issued = _rects(data)
    assert {name: issued[name] for name in placed} == placed    # filled where they were placed
    report = signing_service.verify_bytes(db_session, settings=signing_settings, data=data)
    assert report["valid"] is True
    assert [s["field"] for s in report["signatures"]] == ["personal_1", "organisation"]
