"""Series of the outgoing register (Decree 30, Art. 15.1–15.2; rule R11): one by default; a ward may give
secret documents their own series and a document type its own; numbers run per series."""

from __future__ import annotations

from typing import Any

import pytest

from docflow.errors import ConflictError, PermissionDeniedError, ValidationError
from docflow.models import Confidentiality, DocumentKind, Organisation, RegisterKind, Role, SeriesRule
from docflow.services import registers
from docflow.services.registers import SeriesInput
from tests.services.outgoing.test_outgoing import _issue, _signed, ward  # noqa: F401 - fixtures

YEAR = 2097


def _add(db_session: Any, org: Any, code: str, rule: SeriesRule, doc_type: str = "", actor: Any = None) -> Any:
    return registers.add_series(db_session, actor=actor, organisation_id=org.id,
                                data=SeriesInput(code=code, name=f"Sổ {code}", rule=rule, doc_type=doc_type))


def test_r11_by_default_a_register_has_one_series(db_session, make_user, make_document):
    official = make_user(Role.OFFICIAL)
    secret = make_document(official, kind=DocumentKind.OUTGOING, confidentiality=Confidentiality.SECRET)
    decision = make_document(official, kind=DocumentKind.OUTGOING, doc_type="quyet_dinh")
    assert registers.series_for(db_session, secret) == registers.series_for(db_session, decision) == ""


def test_r11_secret_documents_and_a_configured_type_are_numbered_in_their_own_series(
        db_session, make_user, make_document, org):
    official = make_user(Role.OFFICIAL)
    _add(db_session, org, "mat", SeriesRule.SECRET)
    _add(db_session, org, "qd", SeriesRule.DOC_TYPE, "quyet_dinh")
    secret = make_document(official, kind=DocumentKind.OUTGOING, confidentiality=Confidentiality.CONFIDENTIAL)
    decision = make_document(official, kind=DocumentKind.OUTGOING, doc_type="quyet_dinh")
    letter = make_document(official, kind=DocumentKind.OUTGOING, doc_type="cong_van")
    assert [registers.series_for(db_session, d) for d in (secret, decision, letter)] == ["mat", "qd", ""]
    taken = [registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=YEAR,
                                   series=series)[1]
             for series in ("", "mat", "", "qd", "mat", "")]
    assert taken == [1, 1, 2, 1, 2, 3]


def test_r11_issuing_numbers_a_document_in_its_types_series(db_session, store, ward, signing_settings):  # noqa: F811
    org = ward.clerk.organisation
    _add(db_session, org, "qd", SeriesRule.DOC_TYPE, "quyet_dinh")
    letter = _signed(db_session, signing_settings, store, ward, doc_type="cong_van")
    _issue(db_session, signing_settings, store, letter, ward.clerk)
    decision = _signed(db_session, signing_settings, store, ward, doc_type="quyet_dinh")
    _issue(db_session, signing_settings, store, decision, ward.clerk)
    assert (letter.series, letter.register_number) == ("", 1)
    assert (decision.series, decision.register_number, decision.number_symbol) == ("qd", 1, "01/QĐ-UBND")
    assert decision.register_id == letter.register_id


def test_r11_a_series_is_checked_and_never_doubled(db_session, org):
    with pytest.raises(ValidationError):
        _add(db_session, org, "Mật!", SeriesRule.SECRET)
    with pytest.raises(ValidationError):
        _add(db_session, org, "xx", SeriesRule.DOC_TYPE, "khong_co")
    _add(db_session, org, "mat", SeriesRule.SECRET)
    with pytest.raises(ConflictError):
        _add(db_session, org, "mat2", SeriesRule.SECRET)
    registers.deactivate_series(db_session, actor=None, organisation_id=org.id, kind=RegisterKind.OUTGOING,
                                code="mat")
    assert _add(db_session, org, "mat2", SeriesRule.SECRET).is_active


@pytest.mark.parametrize("role", [Role.CLERK, Role.LEADER, Role.OFFICIAL])
def test_r11_only_the_administrator_configures_series(db_session, make_user, org, role):
    with pytest.raises(PermissionDeniedError):
        _add(db_session, org, "mat", SeriesRule.SECRET, actor=make_user(role))
    assert registers.list_series(db_session, organisation_id=org.id) == []
    assert _add(db_session, org, "mat", SeriesRule.SECRET, actor=make_user(Role.ADMIN)).code == "mat"


def test_r11_another_wards_series_never_applies(db_session, make_user, make_document):
    other = Organisation(name="UBND phường Khác", code="UBNDK")
    db_session.add(other)
    db_session.flush()
    _add(db_session, other, "mat", SeriesRule.SECRET)
    secret = make_document(make_user(Role.OFFICIAL), kind=DocumentKind.OUTGOING,
                           confidentiality=Confidentiality.SECRET)
    assert registers.series_for(db_session, secret) == ""
