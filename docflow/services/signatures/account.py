"""A signer's own page: their handwritten signature image, and the certificates they sign with."""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.errors import N_, ValidationError
from docflow.models import Certificate, Role, User
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.storage import DocumentStore

MAX_SIGNATURE_IMAGE_BYTES = 1024 * 1024


def set_signature_image(session: Session, *, actor: User, data: bytes, store: DocumentStore,
                        now: datetime | None = None) -> str:
    """Keep the user's handwritten signature image (PNG with transparency, at most 1 MB and 2000×1000 px).

    Raises ValidationError for anything else. Flushes.
    """
    check_signature_image(data)
    sha256 = store.put_bytes(data)
    actor.signature_image_sha256 = sha256
    session.flush()
    audit.record(session, action=AuditAction.SIGNATURE_IMAGE_CHANGED, actor=actor, object_type="user",
                 object_id=actor.id, now=now, details={"sha256": sha256, "size": len(data)})
    return sha256


def check_signature_image(data: bytes) -> None:
    """Raise ValidationError unless ``data`` is a PNG of a signature's size with a transparent background."""
    if len(data) > MAX_SIGNATURE_IMAGE_BYTES:
        raise ValidationError(N_("The signature image is larger than 1 MB."), field="image")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise ValidationError(N_("The signature image must be a PNG file."), field="image")
            if image.width > 2000 or image.height > 1000 or image.width < 20 or image.height < 10:
                raise ValidationError(N_("The signature image must be between 20×10 and 2000×1000 pixels."),
                                      field="image")
            if "A" not in image.getbands() and "transparency" not in image.info:
                raise ValidationError(N_("The signature image needs a transparent background."), field="image")
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError(N_("The signature image must be a PNG file."), field="image") from None


def my_certificates(session: Session, *, actor: User) -> list[Certificate]:
    """The actor's own certificates and the organisation's (for clerks), newest first."""
    stmt = select(Certificate).where(Certificate.holder_id == actor.id)
    if actor.role is Role.CLERK:
        stmt = select(Certificate).where((Certificate.holder_id == actor.id) | Certificate.holder_id.is_(None))
    return list(session.execute(stmt.order_by(Certificate.id.desc())).scalars())
