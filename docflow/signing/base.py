"""Vocabulary shared by keys, signing and verification."""

from __future__ import annotations

from enum import StrEnum


class PadesLevel(StrEnum):
    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"


class SignatureKind(StrEnum):
    """The steps of the Decree 30 signature chain (DESIGN.md §3)."""
    INITIAL = "initial"                      # ký nháy: a reviewer's small or invisible initial
    PERSONAL = "personal"                    # the signer's visible signature
    ORGANISATION = "organisation"            # the ward's seal over the personal signature; locks the document
    ORGANISATION_TEXT = "organisation_text"  # the ward's text-only signature for attachments


# The organisation's signatures lock the document: no change at all is allowed after them.
LOCKING_KINDS = frozenset({SignatureKind.ORGANISATION, SignatureKind.ORGANISATION_TEXT})


class CertificateKind(StrEnum):
    PERSONAL = "personal"          # an official's own certificate
    ORGANISATION = "organisation"  # chữ ký số của cơ quan: the ward's, used by clerks only
    SYSTEM = "system"              # the ward's system key: signs audit checkpoints


# Form fields that receive the number and issue date after the personal signature (DESIGN.md §3).
NUMBER_FIELD = "so_ky_hieu"
DATE_FIELD = "ngay_ban_hanh"
