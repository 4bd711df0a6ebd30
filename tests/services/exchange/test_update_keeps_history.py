"""A partner's update message changes the registered copy's trích yếu and deadline (R66): what they were is kept
in the audit log, as for a clerk's edit, so nothing of the registered record is lost without a trace."""

from __future__ import annotations

from sqlalchemy import select

from docflow.exchange import Kind
from docflow.models import AuditEvent
from docflow.services.audit import AuditAction
from tests.conftest import pdf_bytes
from tests.exchange.partner import PARTNER_ID
from tests.services.exchange.test_receive import register
from tests.services.exchange.wards import Ward, ward  # noqa: F401 - the fixture


def test_r66_an_update_keeps_the_earlier_trich_yeu_in_the_audit_log(ward: Ward) -> None:
    first = ward.partner.edoc(pdf_bytes("history"), subject="Về việc phối hợp thử nghiệm")
    document = register(ward, ward.receive(ward.partner.seal(first)).inbox_id).document
    update = ward.partner.edoc(b"", subject="Về việc phối hợp (sửa trích yếu)", kind=Kind.UPDATE, attachments=(),
                               document_id=first.document_id)
    ward.receive(ward.partner.seal(update))
    edits = ward.session.execute(select(AuditEvent).where(
        AuditEvent.action == str(AuditAction.DOCUMENT_METADATA_EDITED),
        AuditEvent.object_id == str(document.id))).scalars().all()
    assert len(edits) == 1 and edits[0].actor_id is None
    assert edits[0].details["changes"]["summary"] == {"from": "Về việc phối hợp thử nghiệm",
                                                      "to": "Về việc phối hợp (sửa trích yếu)"}
    assert edits[0].details["partner"] == PARTNER_ID
