"""The delegation register and the signing authority that comes from it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from docflow.errors import InvalidTransitionError, PermissionDeniedError, ValidationError
from docflow.models import AuditEvent, Role
from docflow.models.routing import SigningMode
from docflow.services.people import delegations
from docflow.services.people import Basis, DelegationState, SigningAuthority, signing_mode_for

TODAY = date(2026, 11, 27)


@pytest.fixture
def ward(make_user, make_department):
    office = make_department("Văn phòng HĐND và UBND", "VP")

    def person(role, post, username):
        user = make_user(role, username=username, department=office if role is not Role.LEADER else None)
        user.post = post
        return user
    return {
        "chairman": person(Role.LEADER, "Chủ tịch", "ct"),
        "vice": person(Role.LEADER, "Phó Chủ tịch", "pct"),
        "office_head": person(Role.HEAD, "Chánh Văn phòng", "cvp"),
        "deputy": person(Role.HEAD, "Phó Chánh Văn phòng", "pcvp"),
        "official": person(Role.OFFICIAL, "Chuyên viên", "cv"),
        "admin": person(Role.ADMIN, "", "qt"),
    }


BASIS = Basis(reference="12/QĐ-UBND", issued_on=date(2026, 11, 20))


def delegate(db_session, ward, *, to, mode, by="chairman", actor=None, types=None, start=TODAY - timedelta(days=1),
             end=None, parent=None, basis=None):
    if mode is SigningMode.TUQ:   # R25: a TUQ. is in writing and limited in time
        end, basis = end or TODAY + timedelta(days=90), basis or BASIS
    return delegations.create_delegation(
        db_session, actor=actor or ward[by], delegate_id=ward[to].id, delegator_id=ward[by].id, mode=mode,
        doc_types=types, valid_from=start, valid_to=end, parent_id=parent.id if parent else None, basis=basis)


def test_the_chairman_signs_for_the_committee_without_any_delegation(db_session, ward):
    authority = signing_mode_for(db_session, signer=ward["chairman"], doc_type="quyet_dinh", on=TODAY)
    assert authority == SigningAuthority(SigningMode.TM, "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", None)


def test_a_vice_chairman_signs_in_the_chairmans_place_under_the_standing_rule(db_session, ward):
    authority = signing_mode_for(db_session, signer=ward["vice"], doc_type="cong_van", on=TODAY)
    assert (authority.mode, authority.mode_line, authority.post) == (SigningMode.KT, "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    assert authority.delegation_id is None


def test_an_official_without_a_delegation_may_not_sign(db_session, ward):
    with pytest.raises(PermissionDeniedError):
        signing_mode_for(db_session, signer=ward["official"], doc_type="cong_van", on=TODAY)
    assert not delegations.can_sign(db_session, signer=ward["office_head"], doc_type="cong_van", on=TODAY)


def test_a_leader_whose_post_is_not_chairman_has_no_standing_authority(db_session, ward, make_user):
    other = make_user(Role.LEADER)
    other.post = "Ủy viên"
    with pytest.raises(PermissionDeniedError):
        signing_mode_for(db_session, signer=other, doc_type="cong_van", on=TODAY)


def test_a_thua_lenh_delegation_gives_the_office_head_the_tl_line_over_his_own_post(db_session, ward):
    d = delegate(db_session, ward, to="office_head", mode=SigningMode.TL, types=["giay_moi", "thong_bao"])
    authority = signing_mode_for(db_session, signer=ward["office_head"], doc_type="giay_moi", on=TODAY)
    assert authority == SigningAuthority(SigningMode.TL, "TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG", d.id)


def test_a_delegation_is_limited_to_its_document_types(db_session, ward):
    delegate(db_session, ward, to="office_head", mode=SigningMode.TL, types=["giay_moi"])
    with pytest.raises(PermissionDeniedError):
        signing_mode_for(db_session, signer=ward["office_head"], doc_type="quyet_dinh", on=TODAY)


def test_art13_thua_uy_quyen_and_ky_thay_delegations_give_their_lines(db_session, ward):
    tuq = delegate(db_session, ward, to="office_head", mode=SigningMode.TUQ)
    kt = delegate(db_session, ward, to="vice", mode=SigningMode.KT, types=["bao_cao"])
    assert signing_mode_for(db_session, signer=ward["office_head"], doc_type="bao_cao", on=TODAY) == \
        SigningAuthority(SigningMode.TUQ, "TUQ. CHỦ TỊCH", "CHÁNH VĂN PHÒNG", tuq.id)
    assert signing_mode_for(db_session, signer=ward["vice"], doc_type="bao_cao", on=TODAY) == \
        SigningAuthority(SigningMode.KT, "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", kt.id, "TM. ỦY BAN NHÂN DÂN")


def test_art13_kt_to_a_chuyen_vien_is_refused(db_session, ward):
    # This test accepted "KT. CHỦ TỊCH / CHUYÊN VIÊN" before issue 12; KT. is for the chairman's deputies only.
    with pytest.raises(ValidationError) as refused:
        delegate(db_session, ward, to="official", mode=SigningMode.KT, types=["bao_cao"])
    assert refused.value.field == "delegate_id"
    assert not delegations.can_sign(db_session, signer=ward["official"], doc_type="bao_cao", on=TODAY)


def test_an_acting_chairman_delegation_outranks_the_vice_chairmans_standing_rule(db_session, ward):
    q = delegate(db_session, ward, to="vice", mode=SigningMode.Q, end=TODAY + timedelta(days=10))
    assert signing_mode_for(db_session, signer=ward["vice"], doc_type="quyet_dinh", on=TODAY) == \
        SigningAuthority(SigningMode.Q, "TM. ỦY BAN NHÂN DÂN", "Q. CHỦ TỊCH", q.id)
    after = signing_mode_for(db_session, signer=ward["vice"], doc_type="quyet_dinh", on=TODAY + timedelta(days=11))
    assert after.mode is SigningMode.KT


def test_a_tm_delegation_signs_for_the_committee(db_session, ward):
    tm = delegate(db_session, ward, to="vice", mode=SigningMode.TM, types=["nghi_quyet"])
    assert signing_mode_for(db_session, signer=ward["vice"], doc_type="nghi_quyet", on=TODAY) == \
        SigningAuthority(SigningMode.TM, "TM. ỦY BAN NHÂN DÂN", "PHÓ CHỦ TỊCH", tm.id)


def test_an_expired_or_future_delegation_does_not_count(db_session, ward):
    delegate(db_session, ward, to="office_head", mode=SigningMode.TL, start=TODAY - timedelta(days=30),
             end=TODAY - timedelta(days=1))
    delegate(db_session, ward, to="office_head", mode=SigningMode.TL, start=TODAY + timedelta(days=1))
    with pytest.raises(PermissionDeniedError):
        signing_mode_for(db_session, signer=ward["office_head"], doc_type="cong_van", on=TODAY)
    assert delegations.can_sign(db_session, signer=ward["office_head"], doc_type="cong_van",
                                on=TODAY - timedelta(days=1))


def test_a_revoked_delegation_does_not_count_and_is_audited(db_session, ward):
    d = delegate(db_session, ward, to="office_head", mode=SigningMode.TL)
    assert delegations.can_sign(db_session, signer=ward["office_head"], doc_type="cong_van", on=TODAY)
    delegations.revoke_delegation(db_session, actor=ward["chairman"], delegation_id=d.id)
    assert not delegations.can_sign(db_session, signer=ward["office_head"], doc_type="cong_van", on=TODAY)
    actions = set(db_session.execute(select(AuditEvent.action).where(AuditEvent.object_type == "delegation",
                                                                     AuditEvent.object_id == str(d.id))).scalars())
    assert actions == {"delegation.created", "delegation.revoked"}
    with pytest.raises(InvalidTransitionError):
        delegations.revoke_delegation(db_session, actor=ward["chairman"], delegation_id=d.id)


def test_a_tuq_delegation_cannot_be_passed_on(db_session, ward):
    tuq = delegate(db_session, ward, to="office_head", mode=SigningMode.TUQ)
    with pytest.raises(ValidationError) as refused:
        delegate(db_session, ward, to="deputy", by="office_head", actor=ward["admin"], mode=SigningMode.KT,
                 parent=tuq)
    assert refused.value.field == "parent_id"


def test_a_thua_lenh_may_be_passed_to_a_deputy_and_lapses_with_its_parent(db_session, ward):
    tl = delegate(db_session, ward, to="office_head", mode=SigningMode.TL, types=["giay_moi"])
    kt = delegate(db_session, ward, to="deputy", by="office_head", actor=ward["admin"], mode=SigningMode.KT,
                  types=["giay_moi"], parent=tl)
    authority = signing_mode_for(db_session, signer=ward["deputy"], doc_type="giay_moi", on=TODAY)
    assert (authority.mode_line, authority.post, authority.delegation_id) == (
        "KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", kt.id)
    delegations.revoke_delegation(db_session, actor=ward["chairman"], delegation_id=tl.id)
    assert not delegations.can_sign(db_session, signer=ward["deputy"], doc_type="giay_moi", on=TODAY)


def test_a_delegation_passed_on_cannot_widen_its_parent(db_session, ward):
    tl = delegate(db_session, ward, to="office_head", mode=SigningMode.TL, types=["giay_moi"],
                  end=TODAY + timedelta(days=5))
    with pytest.raises(ValidationError):
        delegate(db_session, ward, to="deputy", by="office_head", actor=ward["admin"], mode=SigningMode.KT,
                 types=["quyet_dinh"], parent=tl, end=TODAY + timedelta(days=5))
    with pytest.raises(ValidationError):
        delegate(db_session, ward, to="deputy", by="office_head", actor=ward["admin"], mode=SigningMode.KT,
                 types=["giay_moi"], parent=tl, end=None)


def test_only_leaders_and_admins_create_delegations_and_a_leader_only_his_own(db_session, ward):
    with pytest.raises(PermissionDeniedError):
        delegate(db_session, ward, to="official", mode=SigningMode.TL, actor=ward["office_head"])
    with pytest.raises(PermissionDeniedError):
        delegate(db_session, ward, to="official", mode=SigningMode.KT, actor=ward["vice"])
    by_admin = delegate(db_session, ward, to="official", mode=SigningMode.TL, actor=ward["admin"])
    assert by_admin.delegator_id == ward["chairman"].id and by_admin.created_by_id == ward["admin"].id


def test_bad_dates_and_unknown_types_are_refused(db_session, ward):
    with pytest.raises(ValidationError) as dates:
        delegate(db_session, ward, to="office_head", mode=SigningMode.TL, start=TODAY, end=TODAY - timedelta(days=1))
    assert dates.value.field == "valid_to"
    with pytest.raises(ValidationError) as types:
        delegate(db_session, ward, to="office_head", mode=SigningMode.TL, types=["no_such_type"])
    assert types.value.field == "doc_types"


def test_an_inactive_delegate_loses_the_right_to_sign(db_session, ward):
    delegate(db_session, ward, to="office_head", mode=SigningMode.TL)
    ward["office_head"].is_active = False
    assert not delegations.can_sign(db_session, signer=ward["office_head"], doc_type="cong_van", on=TODAY)


def test_the_register_lists_current_before_expired_and_revoked(db_session, ward):
    expired = delegate(db_session, ward, to="office_head", mode=SigningMode.TL, start=TODAY - timedelta(days=9),
                       end=TODAY - timedelta(days=2))
    revoked = delegate(db_session, ward, to="deputy", mode=SigningMode.TL)
    delegations.revoke_delegation(db_session, actor=ward["admin"], delegation_id=revoked.id)
    current = delegate(db_session, ward, to="official", mode=SigningMode.TUQ)
    rows = delegations.list_delegations(db_session, actor=ward["chairman"], on=TODAY)
    assert [(r.delegation.id, r.state) for r in rows] == [
        (current.id, DelegationState.CURRENT), (expired.id, DelegationState.EXPIRED),
        (revoked.id, DelegationState.REVOKED)]
    with pytest.raises(PermissionDeniedError):
        delegations.list_delegations(db_session, actor=ward["official"], on=TODAY)
