"""How a signing key is protected: who set its PIN, how its file is wrapped, and the wrong-PIN lock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from docflow.models.base import Base


class KeyGuard(Base):
    """One row per certificate whose key docflow opens with a PIN (PKCS#12 file or hardware token).

    Kept in the database so every app process sees the same count of wrong PINs.
    """
    __tablename__ = "key_guards"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), unique=True)
    # Wrong PINs in a row since the last success or the last lock.
    failed_pins: Mapped[int] = mapped_column(default=0)
    # How many times the key has been locked; each lock lasts twice the one before.
    lock_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_failed_at: Mapped[datetime | None]
    # docflow.signing.keywrap.KeyWrap.to_json(); NULL: the file is still PKCS#12 under the bare PIN (a key
    # made before key wrapping), rewrapped at its next successful opening.
    wrap: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # When the holder chose the PIN; NULL while the key waits for its enrolment code.
    pin_set_at: Mapped[datetime | None]
    enrolment_sha256: Mapped[str | None] = mapped_column(String(64))
    enrolment_expires_at: Mapped[datetime | None]
