"""The incoming and outgoing registers have exactly the columns of Decree 30, Annex IV (rules R17, R18), in the
Annex's order, on the CSV and the printout alike."""

from __future__ import annotations

from docflow.models import RegisterKind
from docflow.services.registers import COLUMNS

R17_OUTGOING = ["Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung văn bản", "Người ký",
                "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển", "Ký nhận", "Ghi chú"]
R18_INCOMING = ["Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng văn bản",
                "Tên loại và trích yếu nội dung", "Đơn vị hoặc người nhận", "Ngày chuyển", "Ký nhận", "Ghi chú"]


def test_r17_the_outgoing_register_has_exactly_the_annex_iv_columns():
    assert [c.heading for c in COLUMNS[RegisterKind.OUTGOING]] == R17_OUTGOING


def test_r18_the_incoming_register_has_exactly_the_annex_iv_columns():
    assert [c.heading for c in COLUMNS[RegisterKind.INCOMING]] == R18_INCOMING


def test_r17_r18_each_register_fills_the_landscape_page():
    for kind in (RegisterKind.INCOMING, RegisterKind.OUTGOING, RegisterKind.RESOLUTION):
        assert abs(sum(c.width for c in COLUMNS[kind]) - 277) < 0.01, kind
