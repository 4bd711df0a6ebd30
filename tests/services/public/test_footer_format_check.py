"""The format check of the verification footer at issue (issue 15 §2): an issued document carries the footer
of its own code; a footer copied from another document is a finding that blocks issuing; a confidential
document carries none."""

from __future__ import annotations

import pytest

from docflow.formatcheck.findings import PUBLIC_FOOTER
from docflow.models import Confidentiality, DocumentStatus, Role
from docflow.services import outgoing
from docflow.services.formatcheck.review import FormatRefusedError
from docflow.services.formatcheck.settings import set_blocking_codes
from docflow.services.public import codes
from docflow.services.public.footercheck import footer_findings
from docflow.signing.footer import add_footer
from tests.conftest import pdf_bytes
from tests.services.outgoing.test_outgoing import _approve, _draft, _issue, _sign, ward  # noqa: F401 - the ward fixture
from tests.services.signatures.test_chaincheck import _issued

pytestmark = pytest.mark.usefixtures("app_ctx")


def _footed_like(settings, code: str) -> bytes:
    return add_footer(pdf_bytes("copied"), url=codes.public_url(settings, code), code=code)


def test_an_issued_document_carries_its_own_footer_and_no_finding(db_session, signing_settings, store, ward):
    document = _issued(db_session, signing_settings, store, ward)

    data = store.read(document.current_version.sha256)
    assert footer_findings(db_session, settings=signing_settings, document=document, data=data) == []


def test_a_footer_of_another_document_and_a_missing_own_footer_are_findings(db_session, signing_settings, store,
                                                                            ward):
    document = _draft(db_session, store, ward, settings=signing_settings)
    own = codes.ensure_code(db_session, document, now=document.created_at).code
    other = codes.new_code()

    copied = footer_findings(db_session, settings=signing_settings, document=document,
                             data=_footed_like(signing_settings, other))
    moved = footer_findings(db_session, settings=signing_settings, document=document,
                            data=add_footer(pdf_bytes(), url="https://example.org/v/" + own, code=own))

    assert [f.code for f in copied] == [PUBLIC_FOOTER, PUBLIC_FOOTER]
    assert "another document" in copied[0].message and "missing" in copied[1].message
    assert [f.message for f in moved] == [
        "The verification footer's QR code or address does not lead to this document's page (%(url)s)."]


def test_a_draft_carrying_another_documents_footer_is_refused_at_issue(db_session, signing_settings, store, ward,
                                                                      make_user):
    # the test ward only warns (tests/conftest.py); Decree 30's default makes this check block
    set_blocking_codes(db_session, actor=make_user(Role.ADMIN), blocking=[PUBLIC_FOOTER])
    document = _draft(db_session, store, ward, settings=signing_settings,
                      content=_footed_like(signing_settings, codes.new_code()))
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
    _approve(db_session, document, ward.land_head)
    _approve(db_session, document, ward.office_head)
    _sign(db_session, signing_settings, store, document, ward.leader)

    with pytest.raises(FormatRefusedError) as refused:
        _issue(db_session, signing_settings, store, document, ward.clerk)

    assert [f.code for f in refused.value.findings] == [PUBLIC_FOOTER]
    assert document.status is DocumentStatus.SIGNED and document.number_symbol is None


def test_a_confidential_document_with_a_footer_is_a_finding(db_session, signing_settings, store, ward):
    document = _draft(db_session, store, ward, settings=signing_settings)
    document.confidentiality = Confidentiality.CONFIDENTIAL

    found = footer_findings(db_session, settings=signing_settings, document=document,
                            data=_footed_like(signing_settings, codes.new_code()))
    clean = footer_findings(db_session, settings=signing_settings, document=document, data=pdf_bytes())

    assert [f.code for f in found] == [PUBLIC_FOOTER] and clean == []
