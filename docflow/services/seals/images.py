"""The ward's seal image (Decree 30, Annex I, R28: the organisation's signature shows the body's seal, red,
at its real size, as a PNG with a transparent background, over the left third of the signer's image).

The administrator uploads it with its diameter; each upload or change is a row, the latest in use. Without
one, the organisation's signature shows a drawn placeholder at the default diameter.
"""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.errors import N_, PermissionDeniedError, ValidationError
from docflow.models import Organisation, SealImage, User, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.storage import DocumentStore

MAX_SEAL_BYTES = 2 * 1024 * 1024
MIN_SEAL_PIXELS, MAX_SEAL_PIXELS = 300, 4000
MIN_DIAMETER_MM, MAX_DIAMETER_MM, DEFAULT_DIAMETER_MM = 30.0, 45.0, 35.0
MM = 72 / 25.4
# A seal is round: its picture is about square. Its corners, outside the ring, are the background.
_MAX_ASPECT = 1.15
_CORNER = 0.08
# Decree 30: the seal is red. Share of the visible pixels that must be red, and of the picture they fill.
_MIN_RED_SHARE, _MIN_INK_SHARE = 0.8, 0.02


def check_seal_image(data: bytes) -> None:
    """Raise ValidationError (a Vietnamese message for each reason) unless ``data`` is a seal picture: a PNG,
    at most 2 MB, about square, 300 to 4000 pixels a side, with an alpha channel, a transparent background
    and mostly red ink."""
    if len(data) > MAX_SEAL_BYTES:
        raise ValidationError(N_("The seal image is larger than 2 MB."), field="image")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.format != "PNG":
                raise ValidationError(N_("The seal image must be a PNG file."), field="image")
            _check_size(opened.width, opened.height)
            if "A" not in opened.getbands() and "transparency" not in opened.info:
                raise ValidationError(N_("The seal image needs an alpha channel (a transparent background)."),
                                      field="image")
            image = opened.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError(N_("The seal image must be a PNG file."), field="image") from None
    _check_background(image)
    _check_red(image)


def _check_size(width: int, height: int) -> None:
    if min(width, height) < MIN_SEAL_PIXELS or max(width, height) > MAX_SEAL_PIXELS:
        raise ValidationError(N_("The seal image must be between %(low)s and %(high)s pixels a side."),
                              field="image", low=MIN_SEAL_PIXELS, high=MAX_SEAL_PIXELS)
    if max(width, height) > _MAX_ASPECT * min(width, height):
        raise ValidationError(N_("The seal image must be about square (a round seal)."), field="image")


def _check_background(image: Image.Image) -> None:
    """The four corners, outside the round seal, must be transparent."""
    side = max(1, round(min(image.size) * _CORNER))
    alpha = image.getchannel("A")
    w, h = image.size
    corners = [(0, 0), (w - side, 0), (0, h - side), (w - side, h - side)]
    for x, y in corners:
        histogram = alpha.crop((x, y, x + side, y + side)).histogram()
        if sum(histogram[17:]) > 0.05 * side * side:
            raise ValidationError(N_("The seal image's background must be transparent."), field="image")


def _check_red(image: Image.Image) -> None:
    small = image.copy()
    small.thumbnail((200, 200))
    every: list[tuple[int, int, int, int]] = list(small.get_flattened_data())  # type: ignore[arg-type]
    pixels = [(r, g, b) for r, g, b, a in every if a > 128]
    if len(pixels) < _MIN_INK_SHARE * small.width * small.height:
        raise ValidationError(N_("The seal image is almost empty."), field="image")
    red = sum(1 for r, g, b in pixels if r > 120 and r > g + 50 and r > b + 50)
    if red < _MIN_RED_SHARE * len(pixels):
        raise ValidationError(N_("The seal must be red (Decree 30)."), field="image")


def parse_diameter(text: str) -> float:
    """The diameter the form gives, in mm ("35", "37,5"). Raises ValidationError outside 30-45 mm."""
    try:
        value = float(text.strip().replace(",", ".")) if text.strip() else DEFAULT_DIAMETER_MM
    except ValueError:
        raise ValidationError(N_("The seal's diameter must be a number of millimetres."), field="diameter") from None
    if not MIN_DIAMETER_MM <= value <= MAX_DIAMETER_MM:
        raise ValidationError(N_("The seal's diameter must be between %(low)s and %(high)s mm."),
                              field="diameter", low=int(MIN_DIAMETER_MM), high=int(MAX_DIAMETER_MM))
    return value


def upload_seal(session: Session, *, actor: User, data: bytes, diameter_mm: float, store: DocumentStore,
                now: datetime | None = None) -> SealImage:
    """Keep ``data`` as the ward's seal at ``diameter_mm``. Raises PermissionDeniedError (not an
    administrator), ValidationError. Flushes."""
    _require_admin(actor)
    diameter_mm = parse_diameter(str(diameter_mm))
    check_seal_image(data)
    return _add(session, actor, store.put_bytes(data), diameter_mm, now or utc_now(), size=len(data))


def set_seal_diameter(session: Session, *, actor: User, diameter_mm: float, now: datetime | None = None) -> SealImage:
    """The ward's seal, same image, at another diameter. Raises PermissionDeniedError, ValidationError (no seal
    uploaded yet, or a diameter outside 30-45 mm). Flushes."""
    _require_admin(actor)
    diameter_mm = parse_diameter(str(diameter_mm))
    current = active_seal(session, actor.organisation_id)
    if current is None:
        raise ValidationError(N_("Upload the seal image first."), field="image")
    return _add(session, actor, current.sha256, diameter_mm, now or utc_now())


def _require_admin(actor: User) -> None:
    if not policy.may_administer(actor):
        raise PermissionDeniedError(N_("Only the administrator sets the ward's seal."))


def _add(session: Session, actor: User, sha256: str, diameter_mm: float, now: datetime, size: int = 0) -> SealImage:
    seal = SealImage(organisation_id=actor.organisation_id, sha256=sha256, diameter_mm=diameter_mm,
                     uploaded_by_id=actor.id, uploaded_at=now)
    session.add(seal)
    session.flush()
    audit.record(session, action=AuditAction.SEAL_IMAGE_CHANGED, actor=actor, object_type="seal_image",
                 object_id=seal.id, now=now, details={"sha256": sha256, "diameter_mm": diameter_mm, "size": size})
    return seal


def active_seal(session: Session, organisation_id: int) -> SealImage | None:
    """The organisation's seal in use: its latest row."""
    return session.execute(select(SealImage).where(SealImage.organisation_id == organisation_id)
                           .order_by(SealImage.id.desc()).limit(1)).scalar_one_or_none()


def seal_for_signature(session: Session | None, organisation: Organisation,
                       store: DocumentStore | None) -> tuple[bytes, float]:
    """The seal image the organisation's signature shows and its diameter in points: the uploaded seal, or
    (none uploaded, or no store at hand) the drawn placeholder at the default diameter."""
    seal = active_seal(session, organisation.id) if session is not None else None
    if seal is not None and store is not None:
        return store.read(seal.sha256), seal.diameter_mm * MM
    # pyHanko takes seconds to import: only a signature pays for it, not the CLI's start.
    from docflow.signing.stamp import demo_seal_png
    return demo_seal_png(organisation.name), DEFAULT_DIAMETER_MM * MM
