"""A partner ward for the exchange tests: the test PKI (tests/testpki.py) stands in for its CA, and one of
its certificates for its system key; its messages are built with docflow.exchange itself."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import Any

from asn1crypto import pem
from cryptography.hazmat.primitives import serialization

from docflow import exchange
from docflow.exchange import Attachment, DocumentHeader, Kind, Message, Organ

PARTNER_ID = "000.00.02.H99"
PARTNER_NAME = "UBND phường Bên Kia"
OUR_ID = "000.00.01.H99"
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Partner:
    pki: Any
    cert_name: str = "organisation"
    organ_id: str = PARTNER_ID

    @property
    def root_pem(self) -> bytes:
        root = self.pki.lookalike_root if self.cert_name.startswith("lookalike") else self.pki.root
        return pem.armor("CERTIFICATE", root.dump())

    def seal(self, message: Message) -> bytes:
        key = serialization.load_der_private_key(self.pki.key(self.cert_name).dump(), None)
        chain = (self.pki.cert(self.cert_name), *self.pki.chain(self.cert_name))
        return exchange.seal(message, key=key, chain=chain)  # type: ignore[arg-type]

    def edoc(self, pdf: bytes, *, to: str = OUR_ID, subject: str = "Về việc phối hợp thử nghiệm",
             number: str = "15", **changes: Any) -> Message:
        header = DocumentHeader(code_number=number, code_notation="QĐ-UBND", promulgation_date=date(2026, 12, 5),
                                place="Phường Bên Kia", type_code="quyet_dinh", type_name="Quyết định",
                                subject=subject, signer_competence="TM. ỦY BAN NHÂN DÂN", signer_position="Chủ tịch",
                                signer_full_name="Nguyễn Văn Ký")
        message = Message(kind=Kind.EDOC, message_id=uuid.uuid4().hex, sender=Organ(self.organ_id, PARTNER_NAME),
                          receiver=Organ(to, "UBND phường Thử Nghiệm"), sent_at=NOW,
                          document_id=exchange.document_id(self.organ_id, header.promulgation_date, header.notation),
                          header=header, attachments=(Attachment(name="15-QD-UBND.pdf", data=pdf),))
        return replace(message, **changes)

    def revocation(self, about: str, reason: str, *, to: str = OUR_ID) -> Message:
        return Message(kind=Kind.REVOCATION, message_id=uuid.uuid4().hex, sender=Organ(self.organ_id, PARTNER_NAME),
                       receiver=Organ(to, ""), sent_at=NOW, document_id=about, description=reason)

    def status(self, about: str, code: str, *, to: str = OUR_ID, description: str = "") -> Message:
        return Message(kind=Kind.STATUS, message_id=uuid.uuid4().hex, sender=Organ(self.organ_id, PARTNER_NAME),
                       receiver=Organ(to, ""), sent_at=NOW, document_id=about, status_code=code,
                       description=description)
