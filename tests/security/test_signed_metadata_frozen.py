"""What the signer signed for stays as signed (Decree 30, Art. 11; rule R23): once an outgoing document carries
a signature (ký nháy or the signer's own), its type and trích yếu cannot change; the route must start again.
(Before, the clerk turned a signed báo cáo into a quyết định and issued it as 03/QĐ-UBND.)"""

from __future__ import annotations

import io
from typing import Any

import pytest

from docflow.errors import InvalidTransitionError
from docflow.models import DocumentStatus
from docflow.services import documents as doc_service
from docflow.services import outgoing
from docflow.services.documents import DocumentInput, UploadedFile
from tests.conftest import SIGNING_PIN as PIN
from tests.conftest import pdf_bytes
from tests.services.outgoing.test_outgoing import _approve, _draft, _issue, _signed, ward  # noqa: F401


def _edit(db_session: Any, document: Any, actor: Any, **changes: Any) -> Any:
    fields = {"doc_type": document.doc_type, "summary": document.summary, "department_id": document.department_id,
              "issuing_body": document.issuing_body, "urgency": document.urgency, **changes}
    return doc_service.edit_metadata(db_session, actor=actor, document_id=document.id,
                                     data=DocumentInput(kind=document.kind, **fields),
                                     expected_row_version=document.row_version)


def test_r23_a_signed_bao_cao_cannot_become_a_quyet_dinh_and_be_issued_as_one(
        db_session, store, ward, signing_settings):  # noqa: F811
    report = _signed(db_session, signing_settings, store, ward, doc_type="bao_cao")
    assert report.status is DocumentStatus.SIGNED
    for actor in (ward.clerk, ward.leader, ward.drafter):
        with pytest.raises(InvalidTransitionError) as refused:
            _edit(db_session, report, actor, doc_type="quyet_dinh")
        assert "new version" in refused.value.message
        with pytest.raises(InvalidTransitionError):
            _edit(db_session, report, actor, summary="Về việc khác hẳn")
    _issue(db_session, signing_settings, store, report, ward.clerk)
    assert report.doc_type == "bao_cao" and report.number_symbol == "01/BC-UBND"


def test_r23_a_review_initial_is_a_first_signature_too(db_session, store, ward, signing_settings):  # noqa: F811
    draft = _draft(db_session, store, ward, doc_type="bao_cao")
    _edit(db_session, draft, ward.drafter, summary="Về việc sửa trước khi trình")     # unsigned: free
    outgoing.start_route(db_session, actor=ward.drafter, document_id=draft.id, store=store)
    _approve(db_session, draft, ward.land_head, initial_pin=PIN, settings=signing_settings, store=store)
    with pytest.raises(InvalidTransitionError):
        _edit(db_session, draft, ward.drafter, doc_type="to_trinh")
    _edit(db_session, draft, ward.drafter, deadline=None)    # what the signature does not cover stays editable


def test_r23_a_new_version_restarts_the_route_and_frees_the_metadata(db_session, store, ward, signing_settings):  # noqa: F811
    draft = _draft(db_session, store, ward, doc_type="bao_cao")
    outgoing.start_route(db_session, actor=ward.drafter, document_id=draft.id, store=store)
    _approve(db_session, draft, ward.land_head, initial_pin=PIN, settings=signing_settings, store=store)
    outgoing.add_draft_version(db_session, actor=ward.drafter, document_id=draft.id, store=store, max_bytes=10 ** 7,
                               upload=UploadedFile(io.BytesIO(pdf_bytes("v-moi")), "v2.pdf"))
    _edit(db_session, draft, ward.drafter, doc_type="to_trinh")
    assert draft.doc_type == "to_trinh"
