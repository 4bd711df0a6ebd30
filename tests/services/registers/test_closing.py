"""Closing a register's year, the digital đóng sổ (Decree 30, Art. 16.2.b, 22.3.b; rule R16): the printed
register signed by the clerk with the ward's key, kept and downloadable; no entry afterwards."""

from __future__ import annotations

import re

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from docflow.errors import ConflictError, InvalidTransitionError, NotFoundError, PermissionDeniedError, WrongPinError
from docflow.models import AuditEvent, DocumentKind, ReceiptSource, RegisterKind, Role, utc_now
from docflow.services import incoming, registers
from docflow.services import signatures as signing_service
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.services.registers import closing
from docflow.signing.base import CertificateKind
from tests.conftest import SIGNING_PIN, pdf_bytes
from tests.services.registers.test_registers import TZ, YEAR, at, pdf_text, register_incoming

JANUARY = datetime(YEAR + 1, 1, 5, 2, 0, tzinfo=UTC)   # registering an import then


@pytest.fixture
def ward(db_session: Any, make_user: Any, make_document: Any, org: Any, issue_cert: Any) -> Any:
    clerk = make_user(Role.CLERK, full_name="Nguyễn Thị Hoa")
    issue_cert(None, CertificateKind.ORGANISATION)
    for n in range(3):
        register_incoming(db_session, org, make_document(clerk, summary=f"Về việc số {n + 1}"), received_at=at(n + 3))
    return clerk


def _close(db_session: Any, settings: Any, store: Any, actor: Any, *, year: int = YEAR, pin: str = SIGNING_PIN,
           kind: RegisterKind = RegisterKind.INCOMING, now: datetime | None = None) -> Any:
    # signed at the real time: the test certificates are valid from now on
    return closing.close_register(db_session, actor=actor, settings=settings, store=store, tz=TZ, now=now,
                                  request=closing.CloseRequest(kind=kind, year=year, pin=pin))


def test_r16_the_clerk_closes_last_years_register_with_the_wards_signature(db_session, signing_settings, store,
                                                                           ward):
    done = _close(db_session, signing_settings, store, ward)
    assert (done.year, done.entries, done.closed_by_id) == (YEAR, 3, ward.id)
    _, data = closing.closing_pdf(db_session, actor=ward, store=store, kind=RegisterKind.INCOMING, year=YEAR)
    report = signing_service.verify_bytes(db_session, settings=signing_settings, data=data)
    assert report["valid"] is True and len(report["signatures"]) == 1
    text = pdf_text(data)
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in text and "Đóng sổ ngày" in text and "Nguyễn Thị Hoa" in text and "Về việc số 3" in text
    # the R29 text stamp: the register and year, then the signing time in Vietnam time, ISO 8601
    assert f"Đóng sổ sổ đăng ký văn bản đến năm {YEAR}" in text
    assert re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00", text)
    event = db_session.execute(select(AuditEvent).where(AuditEvent.action == "register.closed")).scalar_one()
    assert event.details["sha256"] == done.sha256 and event.details["entries"] == 3


def test_r16_no_entry_goes_into_a_closed_register(app, db_session, signing_settings, store, ward, org):
    _close(db_session, signing_settings, store, ward)
    with pytest.raises(InvalidTransitionError) as refused:
        registers.take_number(db_session, organisation=org, kind=RegisterKind.INCOMING, year=YEAR)
    assert "closed" in refused.value.message
    with pytest.raises(InvalidTransitionError):
        incoming.register_incoming(
            db_session, actor=ward, store=store, settings=app.extensions["docflow.settings"], now=JANUARY,
            receipt=ReceiptSource.IMPORTED, received_at=at(20, month=12),
            data=DocumentInput(kind=DocumentKind.INCOMING, doc_type="cong_van", summary="Nhập từ hệ thống cũ",
                               department_id=None, issuing_body="UBND quận"),
            upload=UploadedFile(io.BytesIO(pdf_bytes()), "cu.pdf"))
    # the outgoing register of that year and this year's incoming register stay open
    assert registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=YEAR)[1] == 1
    assert registers.take_number(db_session, organisation=org, kind=RegisterKind.INCOMING, year=YEAR + 1)[1] >= 1


def test_r16_a_register_is_closed_once_and_only_after_its_year(db_session, signing_settings, store, ward):
    with pytest.raises(InvalidTransitionError):
        _close(db_session, signing_settings, store, ward, year=utc_now().year)
    _close(db_session, signing_settings, store, ward)
    with pytest.raises(ConflictError):
        _close(db_session, signing_settings, store, ward)
    with pytest.raises(NotFoundError):
        _close(db_session, signing_settings, store, ward, kind=RegisterKind.RESOLUTION)


@pytest.mark.parametrize("role", [Role.LEADER, Role.HEAD, Role.OFFICIAL, Role.AUDITOR, Role.ADMIN])
def test_r16_only_the_clerk_closes_a_register(db_session, signing_settings, store, ward, make_user, role):
    with pytest.raises(PermissionDeniedError):
        _close(db_session, signing_settings, store, make_user(role))
    assert closing.find_closing(db_session, organisation_id=ward.organisation_id, kind=RegisterKind.INCOMING,
                                year=YEAR) is None


def test_r16_a_wrong_pin_closes_nothing(db_session, signing_settings, store, ward):
    with pytest.raises(WrongPinError):
        _close(db_session, signing_settings, store, ward, pin="000000")
    assert closing.find_closing(db_session, organisation_id=ward.organisation_id, kind=RegisterKind.INCOMING,
                                year=YEAR) is None
