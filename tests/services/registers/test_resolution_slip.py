"""The phiếu giải quyết văn bản đến (Decree 30, Annex IV, VII; rule R20) printed from an incoming document's
records: the leader's direction, the unit leader's assignment, the handler's proposal, each with its date."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from docflow.errors import NotFoundError, PermissionDeniedError, WrongKindError
from docflow.models import Confidentiality, DocumentKind, Role
from docflow.services import incoming
from docflow.services.registers import slip
from tests.services.incoming.test_incoming import NOW, _data, directed, register, settings, ward  # noqa: F401
from tests.services.registers.test_registers import pdf_text

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def test_r20_the_slip_carries_the_three_tiers_of_the_resolution(db_session, ward, directed, settings):  # noqa: F811
    done = directed()
    child = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=done.lead.id,
                                    handler_id=ward.handler.id, settings=settings, now=NOW,
                                    instruction="Kiểm tra thực địa", deadline=date(2026, 3, 18))
    incoming.add_opinion(db_session, actor=ward.handler, assignment_id=child.id, now=NOW,
                         body="Đề xuất trả lời đồng ý theo hồ sơ")
    text = " ".join(pdf_text(slip.resolution_slip(db_session, actor=ward.leader, document_id=done.document.id,
                                                  tz=TZ)).split())
    assert "PHIẾU GIẢI QUYẾT VĂN BẢN ĐẾN" in text and "123/STNMT-ĐĐ" in text
    assert "Giao Địa chính chủ trì, báo cáo trước hạn." in text
    assert "Chủ trì: Địa chính" in text and "Phối hợp: Tư pháp" in text and "thời hạn giải quyết: 20/03/2026" in text
    assert "Trần Văn Minh" in text                                     # the leader who directed
    assert "giao Phan Thị Ngọc" in text and "18/03/2026" in text and "Hoàng Văn Nam" in text
    assert "Đề xuất trả lời đồng ý theo hồ sơ" in text and "Ngày 10/03/2026" in text


def test_r20_the_slip_of_a_document_not_yet_directed_says_so(db_session, ward, register):  # noqa: F811
    document = register().document
    text = pdf_text(slip.resolution_slip(db_session, actor=ward.clerk, document_id=document.id, tz=TZ))
    assert "Chưa có ý kiến chỉ đạo" in text


def test_r20_a_reader_who_may_not_see_the_document_gets_no_slip(db_session, ward, register, make_user,  # noqa: F811
                                                               make_department, make_document):
    document = register(_data(confidentiality=Confidentiality.SECRET)).document
    outsider = make_user(Role.OFFICIAL, department=make_department())
    with pytest.raises((NotFoundError, PermissionDeniedError)):
        slip.resolution_slip(db_session, actor=outsider, document_id=document.id, tz=TZ)
    memo = make_document(ward.official_vp, kind=DocumentKind.OUTGOING)
    with pytest.raises(WrongKindError):
        slip.resolution_slip(db_session, actor=ward.official_vp, document_id=memo.id, tz=TZ)


def test_r20_the_incoming_page_prints_the_slip(client, db_session, ward, directed):  # noqa: F811
    done = directed()
    client.login(ward.leader)
    page = client.get(f"/incoming/{done.document.id}").get_data(as_text=True)
    assert 'data-testid="resolution-slip"' in page
    response = client.get(f"/incoming/{done.document.id}/slip.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "PHIẾU GIẢI QUYẾT" in pdf_text(response.data)
