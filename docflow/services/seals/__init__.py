"""The ward's seal image: the administrator uploads it, the organisation's signature shows it at its real
diameter (Decree 30, Annex I)."""

from docflow.services.seals.images import (
    DEFAULT_DIAMETER_MM,
    MAX_DIAMETER_MM,
    MAX_SEAL_BYTES,
    MIN_DIAMETER_MM,
    MIN_SEAL_PIXELS,
    active_seal,
    check_seal_image,
    parse_diameter,
    seal_for_signature,
    set_seal_diameter,
    upload_seal,
)

__all__ = [
    "DEFAULT_DIAMETER_MM", "MAX_DIAMETER_MM", "MAX_SEAL_BYTES", "MIN_DIAMETER_MM", "MIN_SEAL_PIXELS",
    "active_seal", "check_seal_image", "parse_diameter", "seal_for_signature", "set_seal_diameter", "upload_seal",
]
