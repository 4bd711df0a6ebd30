"""Versions that only add a signature or the issuing number keep the pages read from the draft; the copies the
issued document delivers to departments are searchable with the same text."""

from __future__ import annotations

from sqlalchemy import select

from docflow.models import Document, OcrTask, PageText
from docflow.services import outgoing
from tests.services.outgoing import test_outgoing
from tests.services.outgoing.test_outgoing import _issue, _signed

ward = test_outgoing.ward   # the outgoing tests' ward, as a fixture of this module


def _rows(db_session, document_id):
    return db_session.execute(select(PageText).where(PageText.document_id == document_id)
                              .order_by(PageText.page_no)).scalars().all()


def test_signing_and_issuing_keep_the_draft_s_pages_and_the_copies_get_them(db_session, store, ward,
                                                                           signing_settings):
    document = _signed(db_session, signing_settings, store, ward)
    draft_rows = [(r.page_no, r.version_id, r.body) for r in _rows(db_session, document.id)]
    assert draft_rows and draft_rows[0][1] == document.versions[0].id

    _issue(db_session, signing_settings, store, document, ward.clerk)

    db_session.refresh(document)
    assert len(document.versions) > 2   # the signature's and the issuing's versions were added...
    assert [(r.page_no, r.version_id, r.body) for r in _rows(db_session, document.id)] == draft_rows  # ...rows kept
    [copy_id] = [r.delivered_document_id for r in outgoing.recipients_of(db_session, document.id)
                 if r.delivered_document_id]
    copy = db_session.get(Document, copy_id)
    copied = _rows(db_session, copy_id)
    assert [(r.page_no, r.body) for r in copied] == [(p, b) for p, _, b in draft_rows]
    assert {r.version_id for r in copied} == {copy.current_version.id}
    assert db_session.execute(select(OcrTask).where(OcrTask.document_id == copy_id)).first() is None
