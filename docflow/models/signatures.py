"""Signing certificates held by users, the signatures docflow applied, and kept verification reports."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docflow.models.base import Base, str_enum, utc_now
from docflow.models.documents import Document, DocumentVersion
from docflow.models.users import User
from docflow.signing.base import CertificateKind, SignatureKind


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"   # re-issued: the newer certificate is the one used for signing


class KeyStorage(enum.StrEnum):
    PKCS12 = "pkcs12"   # a file under keys_dir, encrypted under the holder's signing PIN
    PKCS11 = "pkcs11"   # a hardware token named in signing.tokens


class Certificate(Base):
    """A signing certificate and where its private key lives; never the key or the PIN themselves."""
    __tablename__ = "certificates"
    __table_args__ = (Index("ix_certificates_holder_kind", "holder_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    # The official for a personal certificate; NULL for the ward's organisation and system certificates.
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[CertificateKind] = mapped_column(str_enum(CertificateKind))
    serial: Mapped[str] = mapped_column(String(64))               # hex
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of the DER certificate
    subject: Mapped[str] = mapped_column(String(500))
    issuer: Mapped[str] = mapped_column(String(500))
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    status: Mapped[CertificateStatus] = mapped_column(str_enum(CertificateStatus), default=CertificateStatus.VALID)
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(String(40))
    storage: Mapped[KeyStorage] = mapped_column(str_enum(KeyStorage))
    key_path: Mapped[str | None] = mapped_column(String(300))   # relative to keys_dir, for PKCS#12
    der: Mapped[bytes]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    holder: Mapped[User | None] = relationship(foreign_keys=[holder_id])


class Signature(Base):
    """One signature docflow applied: the routing step it closed, the version it produced, who signed, with
    which certificate, and the SHA-256 of the bytes before and after (the chain check and issuing compare
    the stored versions with them)."""
    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), unique=True)
    kind: Mapped[SignatureKind] = mapped_column(str_enum(SignatureKind))
    field_name: Mapped[str] = mapped_column(String(100))
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"))
    level: Mapped[str] = mapped_column(String(8))
    mode_line: Mapped[str] = mapped_column(String(200), default="")
    signed_at: Mapped[datetime] = mapped_column(default=utc_now)
    # NULL for a signature made outside an outgoing route (an internal document signed from its page).
    step_id: Mapped[int | None] = mapped_column(ForeignKey("routing_steps.id", use_alter=True), index=True)
    before_sha256: Mapped[str] = mapped_column(String(64))
    after_sha256: Mapped[str] = mapped_column(String(64))

    document: Mapped[Document] = relationship()
    version: Mapped[DocumentVersion] = relationship()
    signer: Mapped[User] = relationship()
    certificate: Mapped[Certificate] = relationship()


class VerificationReport(Base):
    """A verification result for one PDF (by SHA-256) under one trust configuration: the cache and the record."""
    __tablename__ = "verification_reports"
    __table_args__ = (UniqueConstraint("sha256", "trust_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    trust_key: Mapped[str] = mapped_column(String(64))   # SHA-256 over the trusted roots and options
    valid: Mapped[bool]
    report_json: Mapped[str] = mapped_column(Text)
    verified_at: Mapped[datetime] = mapped_column(default=utc_now)
