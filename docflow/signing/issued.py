"""One row of the development CA's database: a certificate it issued, and its status."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from docflow.signing.base import CertificateKind

# RFC 4514 names for the attributes cryptography would print as OIDs
_NAME_OVERRIDES = {NameOID.TITLE: "title", NameOID.USER_ID: "UID"}


class CertificateStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"


@dataclass(frozen=True)
class IssuedCertificate:
    """One row of the CA database."""
    serial: int
    holder: str
    kind: CertificateKind
    subject: str                 # RFC 4514
    issuer: str                  # RFC 4514
    not_before: datetime
    not_after: datetime
    sha256: str                  # hex SHA-256 of the certificate's DER
    path: Path                   # the PKCS#12 file written at issue time
    der: bytes = field(repr=False, compare=False)
    status: CertificateStatus = CertificateStatus.VALID
    revoked_at: datetime | None = None
    reason: str | None = None    # RFC 5280 reason name, e.g. "keyCompromise"

    def to_json(self) -> dict[str, Any]:
        return {"serial": format(self.serial, "X"), "holder": self.holder, "kind": self.kind.value,
                "subject": self.subject, "issuer": self.issuer, "not_before": self.not_before.isoformat(),
                "not_after": self.not_after.isoformat(), "sha256": self.sha256, "path": str(self.path),
                "status": self.status.value,
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None, "reason": self.reason,
                "der": base64.b64encode(self.der).decode("ascii")}

    @classmethod
    def of(cls, cert: x509.Certificate, *, holder: str, kind: CertificateKind, path: Path) -> IssuedCertificate:
        """The database row of a certificate just issued (valid)."""
        return cls(serial=cert.serial_number, holder=holder, kind=kind,
                   subject=cert.subject.rfc4514_string(_NAME_OVERRIDES),
                   issuer=cert.issuer.rfc4514_string(_NAME_OVERRIDES), not_before=cert.not_valid_before_utc,
                   not_after=cert.not_valid_after_utc, sha256=cert.fingerprint(hashes.SHA256()).hex(), path=path,
                   der=cert.public_bytes(serialization.Encoding.DER))

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> IssuedCertificate:
        return cls(serial=int(row["serial"], 16), holder=row["holder"], kind=CertificateKind(row["kind"]),
                   subject=row["subject"], issuer=row["issuer"], not_before=datetime.fromisoformat(row["not_before"]),
                   not_after=datetime.fromisoformat(row["not_after"]), sha256=row["sha256"],
                   path=Path(row["path"]), der=base64.b64decode(row["der"]), status=CertificateStatus(row["status"]),
                   revoked_at=datetime.fromisoformat(row["revoked_at"]) if row["revoked_at"] else None,
                   reason=row["reason"])
