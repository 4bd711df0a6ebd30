"""The receipt time (ngày đến) is docflow's clock at registration, the số đến comes from that year's register
(Decree 30, Art. 22.2; rule R13); only documents received electronically from other agencies and documents
imported from a previous system carry a receipt time of their own."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from docflow.errors import ValidationError
from docflow.models import Document, DocumentKind, ReceiptSource, Register, RegisterKind, Role
from docflow.services import incoming
from docflow.services.documents import DocumentInput, UploadedFile
from tests.conftest import pdf_bytes

NEW_YEAR = datetime(2027, 1, 4, 2, 0, tzinfo=UTC)      # Monday 4 January 2027, 09:00 in Hà Nội


def _data(**fields: Any) -> DocumentInput:
    fields.setdefault("document_date", date(2026, 12, 28))
    return DocumentInput(kind=DocumentKind.INCOMING, doc_type="cong_van", summary="Về việc tổng kết năm",
                         department_id=None, number_symbol=fields.pop("number_symbol", "88/UBND-VP"),
                         issuing_body="UBND quận Thử Nghiệm", **fields)


@pytest.fixture
def register(app: Any, db_session: Any, make_user: Any, store: Any) -> Any:
    clerk = make_user(Role.CLERK)

    def do(*, now: datetime = NEW_YEAR, **kw: Any) -> incoming.Registration:
        return incoming.register_incoming(db_session, actor=clerk, data=kw.pop("data", _data()), store=store,
                                          settings=app.extensions["docflow.settings"], now=now,
                                          upload=UploadedFile(io.BytesIO(pdf_bytes()), "den.pdf"),
                                          confirm_duplicate=True, **kw)
    return do


def _register_of(db_session: Any, year: int) -> Register | None:
    return db_session.execute(select(Register).where(Register.kind == RegisterKind.INCOMING,
                                                     Register.year == year)).scalar_one_or_none()


def test_r13_the_receipt_time_is_the_systems_time_and_the_paper_time_only_a_note(db_session, register):
    registration = register(receipt_note="Nhận bản giấy lúc 16:40 ngày 31/12/2026")
    document = registration.document
    assert document.received_at == NEW_YEAR and document.receipt_source == ReceiptSource.SYSTEM
    assert document.receipt_note == "Nhận bản giấy lúc 16:40 ngày 31/12/2026"
    assert document.register_id == _register_of(db_session, 2027).id


def test_r13_a_back_dated_receipt_is_refused_and_never_reopens_last_years_register(db_session, register):
    last_year = register(now=datetime(2026, 12, 30, 2, 0, tzinfo=UTC)).document
    assert last_year.register_id == _register_of(db_session, 2026).id
    closed_at = _register_of(db_session, 2026).last_number
    with pytest.raises(ValidationError) as refused:
        register(received_at=datetime(2026, 12, 31, 9, 0, tzinfo=UTC), data=_data(number_symbol="89/UBND-VP"))
    assert refused.value.field == "received_at" and "receipt note" in refused.value.message
    later = register(data=_data(number_symbol="90/UBND-VP")).document
    assert _register_of(db_session, 2026).last_number == closed_at
    assert later.register_id == _register_of(db_session, 2027).id and later.register_number == 1


def test_r13_a_document_received_electronically_keeps_the_exchanges_time_in_this_years_register(
        db_session, register):
    sent = datetime(2026, 12, 31, 10, 0, tzinfo=UTC)
    document = register(received_at=sent, receipt=ReceiptSource.ELECTRONIC).document
    assert document.received_at == sent and document.receipt_source == ReceiptSource.ELECTRONIC
    assert document.register_id == _register_of(db_session, 2027).id
    assert _register_of(db_session, 2026) is None


def test_r13_an_imported_document_keeps_the_time_and_the_year_its_previous_system_recorded(db_session, register):
    recorded = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
    document = register(received_at=recorded, receipt=ReceiptSource.IMPORTED,
                        data=_data(document_date=date(2026, 5, 30))).document
    assert document.received_at == recorded and document.receipt_source == ReceiptSource.IMPORTED
    assert document.register_id == _register_of(db_session, 2026).id


def test_r13_an_own_receipt_time_is_still_checked(register):
    with pytest.raises(ValidationError):
        register(receipt=ReceiptSource.ELECTRONIC)                                      # no time given
    with pytest.raises(ValidationError):
        register(received_at=datetime(2027, 2, 1, tzinfo=UTC), receipt=ReceiptSource.ELECTRONIC)   # future
    with pytest.raises(ValidationError):
        register(received_at=datetime(2026, 12, 1, tzinfo=UTC), receipt=ReceiptSource.IMPORTED)    # before its date


def test_r13_a_receipt_note_longer_than_300_characters_is_refused(db_session, register):
    with pytest.raises(ValidationError) as refused:
        register(receipt_note="x" * 301)
    assert refused.value.field == "receipt_note"
    assert db_session.execute(select(Document)).first() is None
