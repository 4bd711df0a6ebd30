"""Attachments and appendices as files of their own (Decree 30, Annex I: R29, R30), on a real database with
the ward's development CA: added while the document is a draft, signed by the clerk at issue with the text
stamp, and read back with docflow's verifier and poppler."""

from __future__ import annotations

import io
import subprocess
import unicodedata
from datetime import timezone
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.errors import InvalidTransitionError, WrongPinError
from docflow.models import Attachment, AttachmentKind, AuditEvent, DocumentStatus
from docflow.services import attachments
from docflow.services.documents import UploadedFile
from docflow.services.signatures.reports import trust_settings
from docflow.signing.textstamp import stamp_time
from docflow.signing.verify import verify_pdf
from tests.conftest import pdf_bytes
from tests.services.evidence.test_evidence import checkpointer  # noqa: F401 - the system key's checkpoints
from tests.services.outgoing.test_outgoing import Ward, _draft, _issue, _signed, ward  # noqa: F401



def add(db_session: Session, store: Any, w: Ward, document_id: int, kind: AttachmentKind = AttachmentKind.APPENDIX,
        title: str = "", data: bytes | None = None) -> Attachment:
    return attachments.add_attachment(db_session, actor=w.drafter, document_id=document_id, kind=kind, title=title,
                                      upload=UploadedFile(io.BytesIO(data or pdf_bytes()), "phu-luc.pdf"),
                                      store=store, max_bytes=10 ** 7)


def labels(db_session: Session, w: Ward, document_id: int) -> list[str]:
    return [x.label for x in attachments.list_attachments(db_session, actor=w.drafter, document_id=document_id)]


def test_r30_appendices_take_roman_numerals_when_there_are_two_or_more(db_session, store, ward):
    document = _draft(db_session, store, ward)
    add(db_session, store, ward, document.id, title="Danh sách tổ công tác")
    add(db_session, store, ward, document.id, AttachmentKind.ATTACHMENT)
    assert labels(db_session, ward, document.id) == ["Phụ lục", "Tài liệu kèm theo 1"]

    add(db_session, store, ward, document.id)
    add(db_session, store, ward, document.id)
    assert labels(db_session, ward, document.id) == ["Phụ lục I", "Phụ lục II", "Phụ lục III", "Tài liệu kèm theo 1"]
    assert attachments.roman(4) == "IV" and attachments.roman(9) == "IX" and attachments.roman(14) == "XIV"


def test_r30_removing_an_appendix_renumbers_the_later_ones(db_session, store, ward):
    document = _draft(db_session, store, ward)
    first, second, third = (add(db_session, store, ward, document.id, title=t) for t in ("A", "B", "C"))

    attachments.remove_attachment(db_session, actor=ward.drafter, attachment_id=second.id)

    listed = attachments.list_attachments(db_session, actor=ward.drafter, document_id=document.id)
    assert [(x.label, x.attachment.title) for x in listed] == [("Phụ lục I", "A"), ("Phụ lục II", "C")]
    actions = db_session.execute(select(AuditEvent.action).where(AuditEvent.object_id == str(document.id))).scalars()
    assert {"attachment.added", "attachment.removed"} <= set(actions)


def test_r29_issuing_signs_each_attachment_with_the_number_and_the_signing_time(
        db_session, store, ward, signing_settings, tmp_path):
    document = _draft(db_session, store, ward)
    appendix = add(db_session, store, ward, document.id, title="Danh sách")
    other = add(db_session, store, ward, document.id, AttachmentKind.ATTACHMENT)
    before = appendix.sha256
    document = _signed_from_draft(db_session, store, ward, signing_settings, document)

    issued = _issue(db_session, signing_settings, store, document, ward.clerk)

    assert issued.status is DocumentStatus.ISSUED
    for attachment in (appendix, other):
        db_session.refresh(attachment)
        assert attachment.signed_sha256 and attachment.signed_sha256 != attachment.sha256
        assert attachment.signed_by_id == ward.clerk.id and attachment.certificate_id is not None
        assert attachment.step_id is not None and attachment.level == signing_settings.signing.level_organisation
        signed = store.read(attachment.signed_sha256)
        assert signed.startswith(store.read(attachment.sha256))  # an incremental update of the stored file
        result = verify_pdf(signed, trust_settings(signing_settings))
        assert result.valid, result
        text = _text(signed, tmp_path)
        assert issued.number_symbol in text
        assert attachment.signed_at is not None
        local = attachment.signed_at.astimezone(timezone.utc).replace(microsecond=0)
        assert stamp_time(local) in text and "+07:00" in text
    assert appendix.sha256 == before
    audited = db_session.execute(select(AuditEvent).where(AuditEvent.action == "attachment.signed",
                                                          AuditEvent.object_id == str(document.id))).scalars().all()
    assert len(audited) == 2 and {e.details["parent_sha256"] for e in audited} == {appendix.sha256, other.sha256}


def test_r29_a_document_without_attachments_issues_as_before(db_session, store, ward, signing_settings):
    document = _signed(db_session, signing_settings, store, ward)
    assert _issue(db_session, signing_settings, store, document, ward.clerk).status is DocumentStatus.ISSUED


def test_r29_a_wrong_pin_signs_no_attachment_and_issues_nothing(db_session, store, ward, signing_settings):
    document = _draft(db_session, store, ward)
    appendix = add(db_session, store, ward, document.id)
    document = _signed_from_draft(db_session, store, ward, signing_settings, document)

    with pytest.raises(WrongPinError):
        _issue(db_session, signing_settings, store, document, ward.clerk, pin="000000")

    assert appendix.signed_sha256 is None


def test_r29_the_signed_attachment_is_what_a_download_gives(db_session, store, ward, signing_settings):
    document = _draft(db_session, store, ward)
    appendix = add(db_session, store, ward, document.id)
    document = _signed_from_draft(db_session, store, ward, signing_settings, document)
    _issue(db_session, signing_settings, store, document, ward.clerk)

    found, data = attachments.attachment_file(db_session, actor=ward.chairman, attachment_id=appendix.id, store=store)

    assert found.id == appendix.id and data == store.read(appendix.signed_sha256)


def test_attachments_freeze_with_the_first_signature(db_session, store, ward, signing_settings):
    document = _draft(db_session, store, ward)
    appendix = add(db_session, store, ward, document.id)
    _signed_from_draft(db_session, store, ward, signing_settings, document)

    with pytest.raises(InvalidTransitionError):
        add(db_session, store, ward, document.id)
    with pytest.raises(InvalidTransitionError):
        attachments.remove_attachment(db_session, actor=ward.drafter, attachment_id=appendix.id)


def _signed_from_draft(db_session: Session, store: Any, w: Ward, settings: Any, document: Any) -> Any:
    from tests.services.outgoing.test_outgoing import _approve, _sign
    from docflow.services import outgoing
    outgoing.start_route(db_session, actor=w.drafter, document_id=document.id, store=store)
    _approve(db_session, document, w.land_head)
    _approve(db_session, document, w.office_head)
    _sign(db_session, settings, store, document, w.leader)
    return document


def _text(data: bytes, tmp_path: Any) -> str:
    path = tmp_path / "attachment.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True,
                         timeout=60).stdout
    return unicodedata.normalize("NFC", out)


def test_r29_the_evidence_pack_carries_each_attachment_as_stored_and_as_signed(
        db_session, store, ward, signing_settings, make_user, checkpointer):
    import json
    import zipfile

    from docflow.models import Role
    from docflow.services import evidence
    document = _draft(db_session, store, ward)
    appendix = add(db_session, store, ward, document.id)
    document = _signed_from_draft(db_session, store, ward, signing_settings, document)
    _issue(db_session, signing_settings, store, document, ward.clerk)

    built = evidence.build_document_pack(db_session, settings=signing_settings, store=store,
                                         actor=make_user(Role.AUDITOR), document_id=document.id)

    with zipfile.ZipFile(io.BytesIO(built.data)) as pack:
        base = f"documents/{document.id}/"
        [record] = json.loads(pack.read(f"{base}attachments.json"))
        assert pack.read(f"{base}attachments/appendix-1.pdf") == store.read(appendix.sha256)
        assert pack.read(f"{base}attachments/appendix-1-signed.pdf") == store.read(appendix.signed_sha256)
    assert record["signed_sha256"] == appendix.signed_sha256 and record["stored_matches"] and record["signed_matches"]
    assert record["step_id"] == appendix.step_id and record["certificate_serial"]
