"""Decree 30, Article 13 (rule R25): who may receive KT., what a TUQ. needs, and what cannot be passed on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from docflow.errors import ValidationError
from docflow.models import Role
from docflow.models.routing import SigningMode
from docflow.services.people import Basis, delegations, is_deputy_of, signing_mode_for
from docflow.services.signatures.appearance import appearance_for
from docflow.signing.appearance import header_lines
from docflow.signing.base import SignatureKind

TODAY = date(2026, 11, 27)
BASIS = Basis(reference="12/QĐ-UBND", issued_on=date(2026, 11, 20))


@pytest.fixture
def ward(make_user, make_department):
    office = make_department("Văn phòng HĐND và UBND", "VP")
    culture = make_department("Phòng Văn hóa - Xã hội", "VHXH")

    def person(role, post, username, department=None):
        user = make_user(role, username=username, department=department)
        user.post = post
        return user
    return {
        "chairman": person(Role.LEADER, "Chủ tịch", "ct"),
        "vice": person(Role.LEADER, "Phó Chủ tịch", "pct"),
        "member": person(Role.LEADER, "Ủy viên", "uv"),
        "office_head": person(Role.HEAD, "Chánh Văn phòng", "cvp", office),
        "office_deputy": person(Role.HEAD, "Phó Chánh Văn phòng", "pcvp", office),
        "culture_deputy": person(Role.HEAD, "Phó Chánh Văn phòng", "pvhxh", culture),
        "official": person(Role.OFFICIAL, "Chuyên viên", "cv", office),
        "admin": person(Role.ADMIN, "", "qt"),
    }


def make(db_session, ward, *, to, mode, by="chairman", end=None, basis=None, parent=None, types=None):
    return delegations.create_delegation(
        db_session, actor=ward["admin"], delegate_id=ward[to].id, delegator_id=ward[by].id, mode=mode,
        doc_types=types, valid_from=TODAY - timedelta(days=1), valid_to=end, basis=basis,
        parent_id=parent.id if parent else None)


def test_art13_a_deputy_is_read_from_post_role_and_department(ward):
    assert is_deputy_of(ward["vice"], ward["chairman"])
    assert is_deputy_of(ward["office_deputy"], ward["office_head"])
    assert not is_deputy_of(ward["culture_deputy"], ward["office_head"])      # another department
    assert not is_deputy_of(ward["member"], ward["chairman"])                  # a leader, not the deputy post
    assert not is_deputy_of(ward["official"], ward["office_head"])
    assert not is_deputy_of(ward["chairman"], ward["vice"])                    # no deputy of a deputy


@pytest.mark.parametrize("to", ["official", "member", "office_head", "office_deputy"])
def test_art13_kt_for_the_chairman_only_to_a_vice_chairman(db_session, ward, to):
    with pytest.raises(ValidationError) as refused:
        make(db_session, ward, to=to, mode=SigningMode.KT)
    assert refused.value.field == "delegate_id"
    assert "KT." in refused.value.message


def test_art13_kt_for_a_head_to_the_deputy_head_of_his_department(db_session, ward):
    tl = make(db_session, ward, to="office_head", mode=SigningMode.TL, types=["giay_moi"])
    kt = make(db_session, ward, to="office_deputy", by="office_head", mode=SigningMode.KT, parent=tl, types=["giay_moi"])
    assert signing_mode_for(db_session, signer=ward["office_deputy"], doc_type="giay_moi", on=TODAY).delegation_id \
        == kt.id
    with pytest.raises(ValidationError):
        make(db_session, ward, to="culture_deputy", by="office_head", mode=SigningMode.KT, parent=tl,
             types=["giay_moi"])


def test_r25_tuq_needs_an_end_date(db_session, ward):
    with pytest.raises(ValidationError) as refused:
        make(db_session, ward, to="office_head", mode=SigningMode.TUQ, basis=BASIS)
    assert refused.value.field == "valid_to"


def test_r25_tuq_needs_its_written_basis(db_session, ward):
    end = TODAY + timedelta(days=30)
    with pytest.raises(ValidationError) as refused:
        make(db_session, ward, to="office_head", mode=SigningMode.TUQ, end=end)
    assert refused.value.field == "basis_reference"
    with pytest.raises(ValidationError):   # a number without its date is not a basis
        make(db_session, ward, to="office_head", mode=SigningMode.TUQ, end=end, basis=Basis(reference="12/QĐ-UBND"))
    tuq = make(db_session, ward, to="office_head", mode=SigningMode.TUQ, end=end, basis=BASIS)
    assert (tuq.basis_reference, tuq.basis_date, tuq.valid_to) == ("12/QĐ-UBND", date(2026, 11, 20), end)


def test_r25_tuq_basis_may_be_a_document_of_the_ward(db_session, ward, make_document):
    decision = make_document(ward["admin"], number_symbol="07/QĐ-UBND", document_date=date(2026, 11, 1))
    tuq = make(db_session, ward, to="office_head", mode=SigningMode.TUQ, end=TODAY + timedelta(days=30),
               basis=Basis(document_id=decision.id))
    assert (tuq.basis_document_id, tuq.basis_reference, tuq.basis_date) == (
        decision.id, "07/QĐ-UBND", date(2026, 11, 1))


def test_r25_tuq_cannot_be_passed_on_as_tuq_or_kt(db_session, ward):
    tuq = make(db_session, ward, to="office_head", mode=SigningMode.TUQ, end=TODAY + timedelta(days=30), basis=BASIS)
    for mode in (SigningMode.TUQ, SigningMode.KT, SigningMode.TL):
        with pytest.raises(ValidationError) as refused:
            make(db_session, ward, to="office_deputy", by="office_head", mode=mode, parent=tuq,
                 end=TODAY + timedelta(days=10), basis=BASIS)
        assert refused.value.field == "parent_id"


def test_r25_tl_passed_on_only_to_the_holders_deputy(db_session, ward):
    tl = make(db_session, ward, to="office_head", mode=SigningMode.TL, types=["giay_moi"])
    with pytest.raises(ValidationError):
        make(db_session, ward, to="official", by="office_head", mode=SigningMode.TL, parent=tl, types=["giay_moi"])
    passed = make(db_session, ward, to="office_deputy", by="office_head", mode=SigningMode.TL, parent=tl,
                  types=["giay_moi"])
    assert passed.parent_id == tl.id


def test_art13_a_vice_chairman_signs_kt_for_the_committee_under_its_tm_line(db_session, ward):
    standing = signing_mode_for(db_session, signer=ward["vice"], doc_type="quyet_dinh", on=TODAY)
    assert (standing.collective_line, standing.mode_line, standing.post) == (
        "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    appearance = appearance_for(ward["vice"], SignatureKind.PERSONAL, store=None, authority=standing)
    assert header_lines(appearance) == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    # a deputy head's KT. for his head is not the committee's: no TM. line
    tl = make(db_session, ward, to="office_head", mode=SigningMode.TL, types=["giay_moi"])
    make(db_session, ward, to="office_deputy", by="office_head", mode=SigningMode.KT, parent=tl, types=["giay_moi"])
    deputy = signing_mode_for(db_session, signer=ward["office_deputy"], doc_type="giay_moi", on=TODAY)
    assert (deputy.collective_line, deputy.mode_line) == ("", "KT. CHÁNH VĂN PHÒNG")
