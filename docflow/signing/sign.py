"""PAdES signing for the Decree 30 signature chain (DESIGN.md §3).

Every change is an incremental update (``IncrementalPdfFileWriter``), so earlier signatures stay valid:
initials, the personal signature, the number and date filled into form fields, then the organisation
signature, which locks the document.

pyHanko refuses a certification (DocMDP) signature once any signature exists
(``PdfSigner._enforce_certification_constraints``: "Certification signatures must be the first signature"),
and the organisation signs last. So the lock is an approval signature whose field carries a lock
dictionary: FieldMDP ``/All`` plus ``/P 1`` (no changes), which pyHanko's validator reads back as the
signature's DocMDP level (``EmbeddedPdfSignature.docmdp_level``).

This module is the signing session, the PAdES levels and timestamps; the form fields are in fields.py,
the placement and look of a signature in appearance.py and geometry.py.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import TYPE_CHECKING, TypeAlias, Union

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, PdfTimeStamper, Signer
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext

from docflow.errors import N_, SigningError
from docflow.signing._pyhanko_compat import reservation_too_small
from docflow.signing.appearance import Appearance, Appearances, Placement, initials
from docflow.signing.base import LOCKING_KINDS, PadesLevel, SignatureKind
from docflow.signing.fields import (
    TextField,
    ensure_fields,
    fill_fields,
    fill_on_writer,
    is_signed,
    next_signature_field_name,
    read_text_fields,
    text_field_values,
)
from docflow.signing.incremental import MSG_UNSIGNABLE, damage_is_unreadable, open_incremental
from docflow.signing.signer import keep_key_loaded
from docflow.signing.stamp import FontLibrary

if TYPE_CHECKING:
    from docflow.signing.keys import SigningKey

# A loaded key: docflow's SigningKey, or a bare pyHanko Signer (SimpleSigner, PKCS11Signer).
KeyLike: TypeAlias = Union["SigningKey", Signer]

MD_ALGORITHM = "sha256"
_TIMESTAMPED = frozenset({PadesLevel.B_T, PadesLevel.B_LT, PadesLevel.B_LTA})
_WITH_DSS = frozenset({PadesLevel.B_LT, PadesLevel.B_LTA})
# CMS overhead besides certificates and the timestamp token: signed attributes (content type, digest,
# signing-certificate-v2), algorithm identifiers and a signature value of up to RSA-4096.
_CMS_OVERHEAD = 2048
_TIMESTAMP_FALLBACK = 8192
# Validation data goes into the signature's own revision: a B-LT signature is then one incremental
# update, and the organisation signature that locks the document has no revision after it at all.
# (VRI entries need the finished signature, so they are left out; PAdES validators do not use them.)
_DSS_SETTINGS = DSSContentSettings(placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False)
MSG_NO_TSA_ANSWER = N_("The timestamp authority did not answer.")


@dataclass(frozen=True)
class SignRequest:
    """One signature: its step in the chain, PAdES level, appearance (None: invisible, for initials and
    the text-only kind) and field name (None: ``initial_<n>``, ``personal_<n>``, ``organisation``)."""

    kind: SignatureKind
    level: PadesLevel = PadesLevel.B_T
    appearance: Appearance | None = None
    field_name: str | None = None
    reason: str | None = None
    location: str | None = None
    # text fields to fill in the signature's own revision (the number and date at issue), as fill_fields
    # does; fields the PDF lacks are left out (a PDF signed elsewhere first)
    fill: Mapping[str, str] | None = None


@dataclass(frozen=True)
class SigningContext:
    """Network-facing collaborators: a TSA for B-T and above, revocation sources for B-LT and above; and
    the ward's time zone, in which the text-only stamp prints its signing time (UTC unless given)."""

    timestamper: TimeStamper | None = None
    validation_context: ValidationContext | None = None
    zone: tzinfo = timezone.utc


def sign_pdf(data: bytes, key: KeyLike, request: SignRequest, context: SigningContext) -> bytes:
    """Sign ``data`` once in an incremental update and return the new PDF.

    Raises UnreadablePdfError for encrypted or broken PDFs, SigningError when the level's prerequisites
    are missing, the certificate fails validation, the TSA fails, or the appearance cannot be placed.
    """
    return SigningSession(key, context).sign(data, request)


class SigningSession:
    """One loaded key used for many documents: fonts, decoded images and appearances are built once."""

    def __init__(self, key: KeyLike, context: SigningContext, fonts: FontLibrary | None = None) -> None:
        self.signer: Signer = keep_key_loaded(key if isinstance(key, Signer) else key.signer)
        self.context = context
        self.appearances = Appearances(fonts or FontLibrary())
        self._timestamp_size: int | None = None
        self._cert_bytes = _certificate_bytes(self.signer)

    @property
    def fonts(self) -> FontLibrary:
        return self.appearances.fonts

    def sign(self, data: bytes, request: SignRequest) -> bytes:
        """Add one signature; see :func:`sign_pdf` for what it raises."""
        _check_prerequisites(request.level, self.context)
        with damage_is_unreadable():
            try:
                return self._sign(data, request, self._reserve(request.level))
            except _ReservationTooSmall:
                # a TSA answered with a token larger than its earlier one; let pyHanko measure instead
                return self._sign(data, request, None)

    def _sign(self, data: bytes, request: SignRequest, reserve: int | None) -> bytes:
        writer = open_incremental(data)
        if request.fill:
            # one revision for the values and the seal: no second parse of the file, and the filled
            # appearances are written in the revision the locking signature covers
            fill_on_writer(writer, request.fill, self.fonts, missing_ok=True)
        field_name = request.field_name or next_signature_field_name(writer, request.kind)
        if is_signed(writer, field_name):
            raise SigningError(N_("The signature field %(field)s is already signed."), field=field_name)
        placement = self.appearances.placement(writer, request.kind, request.appearance, field_name,
                                               datetime.now(self.context.zone))
        timestamper = self.context.timestamper if request.level in _TIMESTAMPED else None
        pdf_signer = PdfSigner(self._metadata(request, field_name), self.signer, timestamper=timestamper,
                               stamp_style=placement.style, new_field_spec=placement.spec)
        return _run(pdf_signer, writer, reserve, placement)

    def _metadata(self, request: SignRequest, field_name: str) -> PdfSignatureMetadata:
        with_dss = request.level in _WITH_DSS
        return PdfSignatureMetadata(
            field_name=field_name,
            # what the lock dictionary demands anyway; pyHanko's default (form filling) would be
            # overridden with a logged warning
            docmdp_permissions=MDPPerm.NO_CHANGES if request.kind in LOCKING_KINDS else MDPPerm.FILL_FORMS,
            md_algorithm=MD_ALGORITHM,
            subfilter=SigSeedSubFilter.PADES,
            reason=request.reason,
            location=request.location,
            embed_validation_info=with_dss,
            use_pades_lta=request.level is PadesLevel.B_LTA,
            validation_context=self.context.validation_context if with_dss else None,
            dss_settings=_DSS_SETTINGS,
        )

    def _reserve(self, level: PadesLevel) -> int:
        # Sized from what goes into the CMS instead of pyHanko's dry run, which signs a dummy digest
        # (one more private-key operation per document). PAdES puts revocation data in the DSS, not here.
        size = self._cert_bytes + _CMS_OVERHEAD
        timestamper = self.context.timestamper
        if level in _TIMESTAMPED and timestamper is not None:
            size += self._timestamp_budget(timestamper)
        return 2 * size

    def _timestamp_budget(self, timestamper: TimeStamper) -> int:
        if self._timestamp_size is None:
            try:
                # pyHanko caches this one token per timestamper, so a batch asks the TSA once
                token = asyncio.run(timestamper.async_dummy_response(MD_ALGORITHM))
                self._timestamp_size = len(token.dump()) + 1024
            except TimestampRequestError as exc:
                raise SigningError(MSG_NO_TSA_ANSWER) from exc
            except Exception:  # an exotic timestamper without dummy responses: a generous fixed budget
                self._timestamp_size = _TIMESTAMP_FALLBACK
        return self._timestamp_size


class _ReservationTooSmall(Exception):
    pass


def _run(pdf_signer: PdfSigner, writer: IncrementalPdfFileWriter, reserve: int | None,
         placement: Placement) -> bytes:
    """Let pyHanko sign; its errors become SigningError (or _ReservationTooSmall, to try again)."""
    out = io.BytesIO()
    try:
        pdf_signer.sign_pdf(writer, bytes_reserved=reserve, appearance_text_params=placement.params, output=out)
    except PyHankoSigningError as exc:
        if reservation_too_small(exc):
            raise _ReservationTooSmall from exc
        raise SigningError(N_("The document could not be signed: the signing certificate or its "
                              "validation data was refused.")) from exc
    except TimestampRequestError as exc:
        raise SigningError(MSG_NO_TSA_ANSWER) from exc
    return out.getvalue()


def _check_prerequisites(level: PadesLevel, context: SigningContext) -> None:
    if level in _TIMESTAMPED and context.timestamper is None:
        raise SigningError(N_("PAdES level %(level)s needs a timestamp authority, and none is configured."),
                           level=level.value)
    if level in _WITH_DSS and context.validation_context is None:
        raise SigningError(N_("PAdES level %(level)s embeds revocation data, and no validation context "
                              "is configured."), level=level.value)


def _certificate_bytes(key: Signer) -> int:
    cert = key.signing_cert
    total = len(cert.dump()) if cert is not None else 4096
    return total + sum(len(c.dump()) for c in key.cert_registry)


def add_document_timestamp(data: bytes, context: SigningContext) -> bytes:
    """Add a document timestamp (B-LTA, or a later archive timestamp) with fresh validation data.

    Raises UnreadablePdfError, or SigningError without a TSA or when the TSA or validation fails.
    """
    if context.timestamper is None:
        raise SigningError(N_("A document timestamp needs a timestamp authority, and none is configured."))
    writer = open_incremental(data)
    out = io.BytesIO()
    try:
        with damage_is_unreadable():
            PdfTimeStamper(context.timestamper).timestamp_pdf(
                writer, MD_ALGORITHM, validation_context=context.validation_context, output=out)
    except TimestampRequestError as exc:
        raise SigningError(MSG_NO_TSA_ANSWER) from exc
    except PyHankoSigningError as exc:
        raise SigningError(N_("The document timestamp could not be added.")) from exc
    return out.getvalue()


__all__ = [
    "MSG_UNSIGNABLE", "Appearance", "KeyLike", "SignRequest", "SigningContext", "SigningSession", "TextField",
    "add_document_timestamp", "ensure_fields", "fill_fields", "initials", "open_incremental",
    "read_text_fields", "sign_pdf", "text_field_values",
]
