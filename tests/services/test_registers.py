"""Register numbers: consecutive per register and year, a rolled-back number is not skipped, symbols."""

from __future__ import annotations

import pytest

from docflow.models import RegisterKind
from docflow.services import registers


def test_numbers_are_consecutive_per_register_and_year(db_session, org):
    taken = [registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2031)[1]
             for _ in range(3)]
    assert taken == [1, 2, 3]
    assert registers.take_number(db_session, organisation=org, kind=RegisterKind.INCOMING, year=2031)[1] == 1
    assert registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2032)[1] == 1


def test_a_number_taken_in_a_rolled_back_transaction_is_taken_again(db_session, org):
    registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2033)
    savepoint = db_session.begin_nested()
    assert registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2033)[1] == 2
    savepoint.rollback()
    assert registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2033)[1] == 2


@pytest.mark.parametrize(("number", "doc_type", "unit", "expected"), [
    (15, "quyet_dinh", "", "15/QĐ-UBND"),
    (7, "cong_van", "VP", "07/UBND-VP"),
    (3, "thong_bao", "", "03/TB-UBND"),
    (120, "ke_hoach", "", "120/KH-UBND"),
])
def test_number_symbols_follow_decree_30(number, doc_type, unit, expected):
    assert registers.number_symbol(number, doc_type=doc_type, unit=unit) == expected
