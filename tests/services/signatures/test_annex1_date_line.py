"""The issue date line as Decree 30's Annex I writes it: a leading zero for days 1-9 and for months 1 and 2
only."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from docflow.services.signatures.appearance import date_words, number_and_date_values
from docflow.signing.base import DATE_FIELD, NUMBER_FIELD

MONTHS = {1: "01", 2: "02", 3: "3", 4: "4", 5: "5", 6: "6", 7: "7", 8: "8", 9: "9", 10: "10", 11: "11", 12: "12"}


@pytest.mark.parametrize("month", range(1, 13))
def test_r32_the_month_has_a_leading_zero_only_in_january_and_february(month: int) -> None:
    assert date_words(date(2026, month, 15)) == f"ngày 15 tháng {MONTHS[month]} năm 2026"


@pytest.mark.parametrize(("day", "written"), [(1, "01"), (5, "05"), (9, "09"), (10, "10"), (31, "31")])
def test_r32_days_one_to_nine_have_a_leading_zero(day: int, written: str) -> None:
    assert date_words(date(2026, 12, day)) == f"ngày {written} tháng 12 năm 2026"


def test_annex1_the_issued_lines_read_so_and_the_place_and_date() -> None:
    document: Any = SimpleNamespace(number_symbol="07/QĐ-UBND",
                                    organisation=SimpleNamespace(name="UBND phường Tích Sơn"))

    assert number_and_date_values(document, day=date(2026, 5, 5)) == {
        NUMBER_FIELD: "Số: 07/QĐ-UBND", DATE_FIELD: "Tích Sơn, ngày 05 tháng 5 năm 2026"}
    assert number_and_date_values(document, day=date(2027, 2, 1))[DATE_FIELD] == "Tích Sơn, ngày 01 tháng 02 năm 2027"
