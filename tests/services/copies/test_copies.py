"""Copies (sao y, sao lục, trích sao) on a real database with the ward's development CA: one copy series a
year (R15), the decree's scan profile and text stamp (R45), read back with docflow's verifier and poppler."""

from __future__ import annotations

import io
import subprocess
import unicodedata
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docflow.errors import ValidationError
from docflow.models import AuditEvent, CopyForm, CopySource, DocumentCopy
from docflow.services import copies
from docflow.services.documents import UploadedFile
from docflow.services.signatures.reports import trust_settings
from docflow.signing.textstamp import stamp_time
from docflow.signing.verify import verify_pdf
from tests.conftest import SIGNING_PIN as PIN
from tests.services.copies.helpers import scan_pdf
from tests.services.outgoing.test_outgoing import Ward, _issue, _signed, ward  # noqa: F401


def soon() -> datetime:
    """A moment just ahead of now, taken when a copy is made: after its document's issue, and while the test's
    certificates, issued a moment ago, are valid (a constant taken when pytest imported the module came before
    certificates issued more than ten minutes later, on a loaded machine)."""
    return datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=10)


VIETNAM = timezone(timedelta(hours=7))
YEAR = soon().astimezone(VIETNAM).year     # the register's year


def issued(db_session: Session, store: Any, w: Ward, settings: Any) -> Any:
    document = _signed(db_session, settings, store, w)
    return _issue(db_session, settings, store, document, w.clerk)


def electronic(db_session: Session, store: Any, w: Ward, settings: Any, document_id: int,
               form: CopyForm = CopyForm.SAO_Y, pages: str = "", now: datetime | None = None) -> DocumentCopy:
    return copies.copy_issued_document(db_session, actor=w.clerk, settings=settings, store=store,
                                       document_id=document_id, request=copies.CopyRequest(form, pages), pin=PIN,
                                       now=now or soon())


def paper(db_session: Session, store: Any, w: Ward, settings: Any, data: bytes,
          form: CopyForm = CopyForm.SAO_Y, pages: str = "", now: datetime | None = None) -> DocumentCopy:
    return copies.copy_paper_original(db_session, actor=w.clerk, settings=settings, store=store,
                                      upload=UploadedFile(io.BytesIO(data), "ban-goc.pdf"),
                                      original_reference="12/QĐ-UBND ngày 01/10/2026, UBND tỉnh Bắc Ninh",
                                      request=copies.CopyRequest(form, pages), pin=PIN, max_bytes=10 ** 8, now=now or soon())


def text_of(data: bytes, tmp_path: Any) -> str:
    path = tmp_path / "copy.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True,
                         timeout=60).stdout
    return unicodedata.normalize("NFC", out)


def test_r15_sao_y_sao_luc_and_trich_sao_share_one_series_that_restarts_each_year(
        db_session, store, ward, signing_settings):
    document = issued(db_session, store, ward, signing_settings)
    code = ward.clerk.organisation.code

    first = electronic(db_session, store, ward, signing_settings, document.id)
    second = paper(db_session, store, ward, signing_settings, scan_pdf(pages=2), CopyForm.TRICH_SAO, "2")
    third = electronic(db_session, store, ward, signing_settings, document.id, CopyForm.SAO_LUC)
    # 1 January, Vietnam time (31 December 17:00 UTC): the series starts again at 01
    next_year = electronic(db_session, store, ward, signing_settings, document.id,
                           now=datetime(YEAR, 12, 31, 17, 0, 1, tzinfo=timezone.utc))

    assert [(c.year, c.number) for c in (first, second, third, next_year)] == [(YEAR, 1), (YEAR, 2), (YEAR, 3),
                                                                              (YEAR + 1, 1)]
    assert [c.number_symbol for c in (first, second, third, next_year)] == [
        f"01/SY-{code}", f"02/TrS-{code}", f"03/SL-{code}", f"01/SY-{code}"]


def test_r15_the_database_refuses_a_second_copy_with_the_same_number_in_a_year(
        db_session, store, ward, signing_settings):
    document = issued(db_session, store, ward, signing_settings)
    copy = electronic(db_session, store, ward, signing_settings, document.id)
    twin = DocumentCopy(**{c.key: getattr(copy, c.key) for c in DocumentCopy.__table__.columns if c.key != "id"})
    twin.form, twin.number_symbol = CopyForm.TRICH_SAO, "01/TrS-UBND"

    with pytest.raises(IntegrityError):
        with db_session.begin_nested():
            db_session.add(twin)
            db_session.flush()


def test_r45_an_electronic_copy_carries_the_text_stamp_of_its_form_body_and_time(
        db_session, store, ward, signing_settings, tmp_path):
    document = issued(db_session, store, ward, signing_settings)

    now = soon()
    copy = electronic(db_session, store, ward, signing_settings, document.id, now=now)

    signed = store.read(copy.sha256)
    assert verify_pdf(signed, trust_settings(signing_settings)).valid
    assert signed.startswith(store.read(copy.source_sha256))
    assert signed[:5] == b"%PDF-" and (int(signed[5:6]), int(signed[7:8])) >= (1, 4)  # PDF 1.4 or later
    text = text_of(signed, tmp_path)
    assert "SAO Y" in text and ward.clerk.organisation.name in text and stamp_time(now) in text
    assert stamp_time(now) == now.astimezone(VIETNAM).strftime("%Y-%m-%dT%H:%M:%S+07:00")
    # the picture of the original is at the decree's scan profile: colour, 200 dpi
    assert [(i.colour, round(i.dpi)) for i in copies.check_scan(store.read(copy.source_sha256))] == [(True, 200)]
    assert copy.original_document_id == document.id and copy.source is CopySource.ELECTRONIC
    # the original's signature widgets are in the picture: the red seal shows on the copy
    assert _red_pixels(store.read(copy.source_sha256)) > 500
    assert document.number_symbol in copy.original_reference
    event = db_session.execute(select(AuditEvent).where(AuditEvent.action == "copy.made")).scalars().one()
    assert event.details["sha256"] == copy.sha256


def test_r45_a_paper_scan_in_colour_at_200_dpi_is_copied_as_scanned(db_session, store, ward, signing_settings, tmp_path):
    scan = scan_pdf(pages=2)

    copy = paper(db_session, store, ward, signing_settings, scan)

    signed = store.read(copy.sha256)
    assert signed.startswith(store.read(copy.source_sha256)) and copy.page_count == 2
    assert copy.source is CopySource.PAPER
    # the scan's images are copied untouched: the same pixels at the same resolution
    assert copies.check_scan(store.read(copy.source_sha256)) == copies.check_scan(scan)
    assert verify_pdf(signed, trust_settings(signing_settings)).valid
    assert "SAO Y" in text_of(signed, tmp_path)


@pytest.mark.parametrize(("scan", "message"), [
    (lambda: scan_pdf(mode="L"), "colour"),
    (lambda: scan_pdf(dpi=150), "200 dpi"),
])
def test_r45_a_scan_below_the_profile_is_refused_with_a_clear_message(db_session, store, ward, signing_settings,
                                                                       scan, message):
    with pytest.raises(ValidationError) as refused:
        paper(db_session, store, ward, signing_settings, scan())

    assert message in refused.value.message
    assert db_session.execute(select(DocumentCopy)).first() is None


def test_r45_a_scan_older_than_pdf_1_4_or_without_a_scanned_image_is_refused(db_session, store, ward,
                                                                               signing_settings):
    from pypdf import PdfWriter
    from tests.conftest import pdf_bytes
    with pytest.raises(ValidationError) as refused:
        paper(db_session, store, ward, signing_settings, pdf_bytes())   # pypdf writes PDF 1.3
    assert "version 1.4" in refused.value.message

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.pdf_header = "%PDF-1.7"
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ValidationError) as refused:
        paper(db_session, store, ward, signing_settings, out.getvalue())
    assert "no scanned image" in refused.value.message


def test_r45_trich_sao_copies_only_the_pages_the_clerk_picks(db_session, store, ward, signing_settings):
    copy = paper(db_session, store, ward, signing_settings, scan_pdf(pages=3), CopyForm.TRICH_SAO, "1, 3")

    assert copy.pages == "1, 3" and copy.page_count == 2
    assert len(PdfReader(io.BytesIO(store.read(copy.sha256))).pages) == 2


def test_r45_trich_sao_needs_its_pages_and_the_other_forms_take_none(db_session, store, ward, signing_settings):
    document = issued(db_session, store, ward, signing_settings)
    with pytest.raises(ValidationError):
        electronic(db_session, store, ward, signing_settings, document.id, CopyForm.TRICH_SAO)
    with pytest.raises(ValidationError):
        electronic(db_session, store, ward, signing_settings, document.id, CopyForm.SAO_Y, "1")
    with pytest.raises(ValidationError):
        electronic(db_session, store, ward, signing_settings, document.id, CopyForm.TRICH_SAO, "2-9")


def test_r15_the_copy_register_lists_the_year_s_copies_and_exports_them(db_session, store, ward, signing_settings):
    document = issued(db_session, store, ward, signing_settings)
    now = soon()
    electronic(db_session, store, ward, signing_settings, document.id, now=now)
    paper(db_session, store, ward, signing_settings, scan_pdf(pages=2), CopyForm.TRICH_SAO, "2", now=now)
    tz = signing_settings.app.zone

    rows = copies.copy_register(db_session, actor=ward.chairman, year=YEAR, tz=tz)

    assert [r.cells[0] for r in rows] == [r.copy.number_symbol for r in rows] and len(rows) == 2
    assert rows[1].cells[2] == "Trích Sao" and rows[1].cells[4] == "2" and rows[0].cells[1] == now.astimezone(VIETNAM).strftime("%d/%m/%Y")
    csv = b"".join(copies.csv_chunks(rows)).decode("utf-8")
    assert csv.startswith("\ufeffSố, ký hiệu bản sao") or csv.startswith("\ufeff\"Số, ký hiệu bản sao\"")
    assert rows[0].copy.number_symbol in csv
    pdf = copies.pdf_bytes(rows, organisation="UBND phường Thử Nghiệm", year=YEAR)
    assert pdf.startswith(b"%PDF") and len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert copies.copy_register(db_session, actor=ward.chairman, year=YEAR - 1, tz=tz) == []


def _red_pixels(data: bytes) -> int:
    import pypdfium2 as pdfium
    page = pdfium.PdfDocument(data)[0].render(scale=1).to_pil().convert("RGB")
    return sum(1 for r, g, b in page.get_flattened_data() if r > 150 and r > g + 80 and r > b + 80)
