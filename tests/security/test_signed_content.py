"""Issue 10, section 1: the content of a signed outgoing document cannot be swapped before issue.

An official takes the bytes a vice-chairman signed for another document and tries to make them the content
of a signed, not yet issued outgoing document: through the generic version route (refused), and, as an
attacker with database access, by writing the version row directly (the clerk's issue is refused and the
auditor's chain check names the row). Each attack goes through the web client as the attacker would.
"""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from docflow.models import Document, DocumentStatus, DocumentVersion, Register, Role, Signature, utc_now
from docflow.models.routing import RoutingStep, StepKind, StepStatus
from docflow.services.signatures import chain as chaincheck
from docflow.signing.base import SignatureKind
from tests.conftest import SIGNING_PIN as PIN
from tests.conftest import pdf_bytes
from tests.services.outgoing.test_outgoing import Ward, _signed, ward  # noqa: F401 - the ward fixture


def _two_signed(db_session: Session, settings: Any, store: Any, w: Ward) -> tuple[Document, Document]:
    """Two documents the drafter wrote and the vice-chairman signed; neither issued."""
    other = _signed(db_session, settings, store, w, content=pdf_bytes("the other document"))
    target = _signed(db_session, settings, store, w, content=pdf_bytes("the document to issue"))
    return other, target


def _version_count(db_session: Session, document: Document) -> int:
    return db_session.execute(select(func.count()).select_from(DocumentVersion)
                              .where(DocumentVersion.document_id == document.id)).scalar_one()


def _insert_swapped_version(db_session: Session, target: Document, other: Document) -> int:
    """What an attacker with database access writes: a new current version of ``target`` whose file is the
    one the vice-chairman signed for ``other``. Only the document tables (the audit log is append-only)."""
    current, stolen = target.current_version, other.current_version
    assert current is not None and stolen is not None
    db_session.execute(insert(DocumentVersion).values(
        document_id=target.id, number=current.number + 1, parent_id=current.id, sha256=stolen.sha256,
        size=stolen.size, page_count=stolen.page_count, original_filename="du-thao-sua.pdf", note="",
        created_at=utc_now(), created_by_id=target.created_by_id))
    db_session.execute(update(Document).where(Document.id == target.id).values(updated_at=utc_now()))
    db_session.expire_all()
    return current.number + 1


def _outgoing_register_last(db_session: Session) -> int:
    return db_session.execute(select(func.coalesce(func.max(Register.last_number), 0))).scalar_one()


def test_another_documents_signed_file_cannot_be_uploaded_as_a_new_version_of_a_signed_document(
        client, db_session, signing_settings, store, ward):
    other, target = _two_signed(db_session, signing_settings, store, ward)
    before = _version_count(db_session, target)
    client.login(ward.drafter)
    stolen = client.get(f"/documents/{other.id}/versions/{other.current_version.number}/download")
    assert stolen.status_code == 200 and stolen.data.startswith(b"%PDF")

    response = client.post(f"/documents/{target.id}/versions", {"file": (io.BytesIO(stolen.data), "du-thao-sua.pdf")},
                           content_type="multipart/form-data")

    assert response.status_code == 409
    assert "trang văn bản đi" in response.get_data(as_text=True)   # "add it from the outgoing page"
    db_session.expire_all()
    assert _version_count(db_session, target) == before
    assert db_session.get(Document, target.id).status is DocumentStatus.SIGNED


def test_a_new_version_after_the_signature_sends_the_document_back_through_review_and_signature(
        client, db_session, signing_settings, store, ward):
    _, target = _two_signed(db_session, signing_settings, store, ward)
    client.login(ward.drafter)

    client.post(f"/outgoing/{target.id}/versions", {"file": (io.BytesIO(pdf_bytes("changed")), "v-moi.pdf")},
                content_type="multipart/form-data")

    db_session.expire_all()
    document = db_session.get(Document, target.id)
    steps = db_session.execute(select(RoutingStep).where(RoutingStep.document_id == target.id)
                               .order_by(RoutingStep.round, RoutingStep.position)).scalars().all()
    latest = [s for s in steps if s.round == max(s.round for s in steps)]
    assert document.status is DocumentStatus.IN_REVIEW
    assert [(s.kind, s.status) for s in latest] == [(StepKind.REVIEW, StepStatus.ACTIVE), (StepKind.REVIEW,
                                                    StepStatus.WAITING), (StepKind.SIGN, StepStatus.WAITING),
                                                   (StepKind.ISSUE, StepStatus.WAITING)]
    client.login(ward.clerk)
    client.post(f"/outgoing/{target.id}/issue", {"pin": PIN})
    db_session.expire_all()
    assert db_session.get(Document, target.id).status is DocumentStatus.IN_REVIEW


def test_a_swapped_version_written_into_the_database_is_refused_at_issue_and_named_by_the_chain_check(
        client, db_session, signing_settings, store, ward, make_user):
    other, target = _two_signed(db_session, signing_settings, store, ward)
    number = _insert_swapped_version(db_session, target, other)
    last_number = _outgoing_register_last(db_session)

    client.login(ward.clerk)
    page = client.get(client.post(f"/outgoing/{target.id}/issue", {"pin": PIN}).location).get_data(as_text=True)

    assert "không phải tệp người ký đã ký" in page   # "not the file the signer signed on this route"
    db_session.expire_all()
    document = db_session.get(Document, target.id)
    assert document.status is DocumentStatus.SIGNED and document.number_symbol in (None, "")
    assert _outgoing_register_last(db_session) == last_number

    auditor = make_user(Role.AUDITOR)
    client.login(auditor)
    html = client.get(f"/audit/documents/{target.id}/chain").get_data(as_text=True)
    assert 'data-verdict="problem"' in html
    assert f"Không bước nào được ghi nhận đã tạo ra phiên bản {number}" in html
    result = chaincheck.check_document(db_session, settings=signing_settings, store=store, actor=auditor,
                                       document_id=target.id)
    problems = [p.text() for step in result.steps for p in step.problems]
    assert any(f"No recorded step produced version {number}" in p for p in problems)
    assert any("The signature personal_1 in the PDF is not the one docflow's step made" in p for p in problems)


def test_a_signature_record_moved_to_someone_else_is_named_by_the_chain_check(
        client, db_session, signing_settings, store, ward, make_user):
    _, target = _two_signed(db_session, signing_settings, store, ward)
    db_session.execute(update(Signature).where(Signature.document_id == target.id,
                                               Signature.kind == SignatureKind.PERSONAL)
                       .values(signer_id=ward.chairman.id))
    db_session.expire_all()
    client.login(make_user(Role.AUDITOR))

    html = client.get(f"/audit/documents/{target.id}/chain").get_data(as_text=True)

    assert 'data-verdict="problem"' in html
    assert (f"docflow ghi nhận người ký là {ward.chairman.full_name}, nhưng chứng thư số thuộc về "
            f"{ward.leader.full_name}") in html

