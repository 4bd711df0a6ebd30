"""The Annex I format check in the outgoing route, on a real database with real pyHanko signatures: a blocking
finding refuses the review and the signature, warnings do not, the ward's policy moves a check from one list
to the other, the result is kept per version, and the signature block must match the delegation register."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.models import AuditEvent, Document, FormatCheckResult, Role, Signature, User, utc_now
from docflow.models.routing import SigningMode, StepStatus
from docflow.services import formatcheck as format_service
from docflow.services import outgoing
from docflow.services.audit import AuditAction
from docflow.services.formatcheck import FormatRefusedError
from docflow.services.formatcheck.gate import BlockMismatchError
from docflow.services.formatcheck.settings import restore_defaults
from docflow.services.people import delegations
from tests.annex1_pages import annex1_pdf, in_test_ward
from tests.services.outgoing.test_outgoing import PIN, Ward, _active, _approve, _draft, ward  # noqa: F401


@pytest.fixture(autouse=True)
def decree_defaults(db_session: Session, org: Any) -> None:
    """The tests' ward warns only (conftest); these tests hold it to Decree 30's defaults."""
    restore_defaults(db_session, organisation_id=org.id)


def _on_route(db_session: Session, store: Any, w: Ward, content: bytes, *, signer: User | None = None,
              reviewed: bool = True) -> Document:
    document = _draft(db_session, store, w, content=content, signer=signer or w.chairman)
    outgoing.start_route(db_session, actor=w.drafter, document_id=document.id, store=store,
                         reviewer_ids=None if reviewed else [])
    return document


def _sign(db_session: Session, settings: Any, store: Any, document: Document, user: User) -> Any:
    return outgoing.sign_step(db_session, actor=user, settings=settings, store=store, document_id=document.id,
                              step_id=_active(db_session, document).id, pin=PIN, expected_version=None)


def _signatures(db_session: Session, document: Document) -> int:
    return db_session.execute(select(func.count(Signature.id)).join(Signature.version)
                              .where(Signature.version.has(document_id=document.id))).scalar_one()


def test_r32_a_blocking_defect_refuses_the_review(db_session: Session, store: Any, ward: Ward) -> None:
    document = _on_route(db_session, store, ward, annex1_pdf(in_test_ward(number_line="Số      /QĐ-UBND")))
    step = _active(db_session, document)
    with pytest.raises(FormatRefusedError) as refused:
        _approve(db_session, document, ward.land_head, store=store)
    assert [f.code for f in refused.value.findings] == ["number_line"]
    assert "number_line" in refused.value.message % refused.value.params
    db_session.refresh(step)
    assert step.status is StepStatus.ACTIVE


def test_r32_a_blocking_defect_refuses_the_signature(db_session: Session, signing_settings: Any, store: Any,
                                                     ward: Ward) -> None:
    document = _on_route(db_session, store, ward, annex1_pdf(in_test_ward(luu=None)), reviewed=False)
    with pytest.raises(FormatRefusedError) as refused:
        _sign(db_session, signing_settings, store, document, ward.chairman)
    assert [f.code for f in refused.value.findings] == ["recipients"]
    assert _signatures(db_session, document) == 0


def test_r32_a_page_made_to_the_contract_is_reviewed_and_signed(db_session: Session, signing_settings: Any,
                                                                store: Any, ward: Ward) -> None:
    document = _on_route(db_session, store, ward, annex1_pdf(in_test_ward()))
    _approve(db_session, document, ward.land_head, store=store)
    _approve(db_session, document, ward.office_head, store=store)
    _sign(db_session, signing_settings, store, document, ward.chairman)
    assert _signatures(db_session, document) == 1


def test_r32_warnings_are_shown_but_do_not_block(db_session: Session, signing_settings: Any, store: Any,
                                                 ward: Ward) -> None:
    document = _on_route(db_session, store, ward, annex1_pdf(in_test_ward(font="LiberationSans", body_size=12)),
                         reviewed=False)
    review = format_service.review_of(db_session, store=store, document=document)
    assert review is not None and review.blocking == ()
    assert {f.code for f in review.warnings} == {"font", "size"}
    _sign(db_session, signing_settings, store, document, ward.chairman)
    assert _signatures(db_session, document) == 1


def test_r32_moving_a_check_from_block_to_warn_lets_signing_go_on(db_session: Session, signing_settings: Any,
                                                                  store: Any, ward: Ward, make_user: Any) -> None:
    document = _on_route(db_session, store, ward, annex1_pdf(in_test_ward(type_line=None)), reviewed=False)
    with pytest.raises(FormatRefusedError):
        _sign(db_session, signing_settings, store, document, ward.chairman)
    admin = make_user(Role.ADMIN)
    blocking = set(format_service.blocking_codes(db_session, admin.organisation_id)) - {"type_line"}
    format_service.set_blocking_codes(db_session, actor=admin, blocking=blocking)
    review = format_service.review_of(db_session, store=store, document=document)
    assert review is not None and [f.code for f in review.warnings] == ["type_line"] and review.blocking == ()
    _sign(db_session, signing_settings, store, document, ward.chairman)
    assert _signatures(db_session, document) == 1
    event = db_session.execute(select(AuditEvent).where(
        AuditEvent.action == AuditAction.FORMAT_CHECK_POLICY_CHANGED.value)).scalar_one()
    assert event.details["now_warning"] == ["type_line"] and event.details["now_blocking"] == []


def test_r32_the_latest_result_is_kept_per_version(db_session: Session, store: Any, ward: Ward) -> None:
    document = _on_route(db_session, store, ward, annex1_pdf(in_test_ward(margin_text=True)))
    first = format_service.review_of(db_session, store=store, document=document)
    again = format_service.review_of(db_session, store=store, document=document)
    assert first == again and first is not None and [f.code for f in first.warnings] == ["margins"]
    rows = db_session.execute(select(FormatCheckResult)).scalars().all()
    assert [(r.version_id, r.checker) for r in rows] == [(document.current_version.id, format_service.CHECKER)]
    assert rows[0].findings[0]["code"] == "margins" and rows[0].organisation_id == document.organisation_id


def test_r25_a_printed_block_that_differs_from_the_delegation_register_is_refused(
        db_session: Session, signing_settings: Any, store: Any, ward: Ward) -> None:
    # the page prints the chairman's "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"; the vice-chairman signs "KT. CHỦ TỊCH"
    document = _on_route(db_session, store, ward, annex1_pdf(in_test_ward()), signer=ward.leader, reviewed=False)
    with pytest.raises(BlockMismatchError) as refused:
        _sign(db_session, signing_settings, store, document, ward.leader)
    assert refused.value.params["expected"] == "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    assert refused.value.params["shown"] == "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"
    assert _signatures(db_session, document) == 0


def test_r25_a_vice_chairman_signing_kt_under_the_committees_tm_line_is_signed(
        db_session: Session, signing_settings: Any, store: Any, ward: Ward) -> None:
    # the block docflow draws for a vice-chairman (signing/appearance.py header_lines), printed on the page too
    page = annex1_pdf(in_test_ward(block=("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")))
    document = _on_route(db_session, store, ward, page, signer=ward.leader, reviewed=False)
    _sign(db_session, signing_settings, store, document, ward.leader)
    assert _signatures(db_session, document) == 1


def test_r25_a_page_without_a_printed_block_is_signed_with_the_block_docflow_draws(
        db_session: Session, signing_settings: Any, store: Any, ward: Ward) -> None:
    document = _on_route(db_session, store, ward, annex1_pdf(in_test_ward(block=None)), signer=ward.leader,
                         reviewed=False)
    _sign(db_session, signing_settings, store, document, ward.leader)
    assert _signatures(db_session, document) == 1


def test_r25_the_chairman_signing_tm_for_the_committee_is_signed(
        db_session: Session, signing_settings: Any, store: Any, ward: Ward) -> None:
    # in_test_ward() prints "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"
    document = _on_route(db_session, store, ward, annex1_pdf(in_test_ward()), signer=ward.chairman, reviewed=False)
    _sign(db_session, signing_settings, store, document, ward.chairman)
    assert _signatures(db_session, document) == 1


def test_r25_a_head_signing_tl_for_the_chairman_is_signed_and_a_kt_block_refused(
        db_session: Session, signing_settings: Any, store: Any, ward: Ward) -> None:
    today = utc_now().date()
    delegations.create_delegation(db_session, actor=ward.chairman, delegate_id=ward.office_head.id,
                                  delegator_id=ward.chairman.id, mode=SigningMode.TL, doc_types=["quyet_dinh"],
                                  valid_from=today - timedelta(days=1), valid_to=today + timedelta(days=30))
    wrong = _on_route(db_session, store, ward, annex1_pdf(in_test_ward(block=("KT. CHỦ TỊCH", "CHÁNH VĂN PHÒNG"))),
                      signer=ward.office_head, reviewed=False)
    with pytest.raises(BlockMismatchError) as refused:
        _sign(db_session, signing_settings, store, wrong, ward.office_head)
    assert refused.value.params["expected"] == "TL. CHỦ TỊCH / CHÁNH VĂN PHÒNG"
    assert _signatures(db_session, wrong) == 0

    right = _on_route(db_session, store, ward, annex1_pdf(in_test_ward(block=("TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG"))),
                      signer=ward.office_head, reviewed=False)
    _sign(db_session, signing_settings, store, right, ward.office_head)
    assert _signatures(db_session, right) == 1


def test_r25_a_kt_block_without_the_committees_tm_line_is_refused(
        db_session: Session, signing_settings: Any, store: Any, ward: Ward) -> None:
    # docflow draws "TM. ỦY BAN NHÂN DÂN" over the vice-chairman's KT. line: a page printing only two lines
    # would carry a block different from the one signed
    page = annex1_pdf(in_test_ward(block=("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")))
    document = _on_route(db_session, store, ward, page, signer=ward.leader, reviewed=False)
    with pytest.raises(BlockMismatchError) as refused:
        _sign(db_session, signing_settings, store, document, ward.leader)
    assert refused.value.params["shown"] == "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    assert _signatures(db_session, document) == 0
