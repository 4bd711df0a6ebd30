"""What docflow tells PostgreSQL's row-level security (docflow.rowsecurity) about the work in hand: the bound
ward's id, and every ward only when no ward is bound or a trusted block says so (issue 16 §1)."""

from __future__ import annotations

from docflow import rowsecurity, wards


def test_bound_work_is_scoped_to_its_ward_and_unbound_work_to_every_ward() -> None:
    assert wards.database_scope() == rowsecurity.ALL == "all"
    with wards.acting_for(7):
        assert wards.database_scope() == "7"
        with wards.acting_for_all():
            assert wards.database_scope() == "all"
        assert wards.database_scope() == "7"
    assert wards.database_scope() == "all"

