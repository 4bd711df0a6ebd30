"""Long-term validity (PAdES B-LTA): renewing an issued PDF, and telling a true renewal from anything else.

A signature stays verifiable after its certificate or its timestamp authority's certificate expires only if,
before that, the document received the validation data of every signature (certificates, CRLs, OCSP answers
in its DSS) and a document timestamp over all of it. ``renew_pdf`` appends exactly that, in one incremental
update; ``check_renewal`` is what the chain check and the public "are these the issued bytes?" check accept:
the issued bytes unchanged, followed by revisions that pyHanko's difference analysis finds to hold nothing
but DSS updates and document timestamps. ``renewal_due_at`` says when a file needs the next renewal.

Bytes in, bytes or values out; no database, no Flask.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import cms
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel, SuspiciousModification
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.general import extract_certificate_info
from pyhanko.sign.signers import PdfTimeStamper
from pyhanko.sign.signers.pdf_signer import TimestampDSSContentSettings
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation.dss import DocumentSecurityStore, collect_validation_info
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

from docflow.errors import N_, SigningError, UnreadablePdfError
from docflow.signing import pdfsafety
from docflow.signing.incremental import damage_is_unreadable, open_incremental
from docflow.signing.sign import MD_ALGORITHM, MSG_NO_TSA_ANSWER, SigningContext

DOC_TIMESTAMP = "/DocTimeStamp"
# The validation data goes in before the document timestamp, in the same revision, so the timestamp covers it
# and a renewal is one incremental update (VRI entries need the finished timestamp: left out, as for B-LT).
_DSS_BEFORE_TIMESTAMP = TimestampDSSContentSettings(update_before_ts=True, include_vri=False)
_UNREADABLE = (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)


@dataclass(frozen=True)
class RenewalProblem:
    """Why bytes are not a renewal of the issued bytes: an English msgid and its parameters."""
    message: str
    params: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, message: str, **params: object) -> RenewalProblem:
        return cls(message, {k: str(v) for k, v in params.items()})


@dataclass(frozen=True)
class RenewalCheck:
    """What ``candidate`` appends to the issued bytes: the times of its document timestamps, or problems."""
    problems: tuple[RenewalProblem, ...]
    timestamps: tuple[datetime, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def renew_pdf(data: bytes, context: SigningContext) -> bytes:
    """Append the validation data of the signatures and a document timestamp (one incremental update).

    Without a document timestamp yet, every signature and the timestamps inside them are validated now and
    their certificates and revocation data go into the DSS; after one, the last document timestamp's (it
    already covers everything before it). Raises UnreadablePdfError, or SigningError when there is no TSA or
    validation context, a certificate can no longer be validated (expired, revoked: renewal came too late),
    or the TSA does not answer.
    """
    timestamper, vc = context.timestamper, context.validation_context
    if timestamper is None or vc is None:
        raise SigningError(N_("Renewing a signature needs a timestamp authority and revocation data, and they "
                              "are not configured."))
    with damage_is_unreadable():
        return asyncio.run(_renew(data, timestamper, vc))


async def _renew(data: bytes, timestamper: TimeStamper, vc: ValidationContext) -> bytes:
    writer = open_incremental(data)
    paths = []
    for emb in _to_cover(writer.prev):
        try:
            paths.extend(await collect_validation_info(emb, vc))
        except (PathBuildingError, PathValidationError, ValidationError) as exc:
            raise SigningError(N_("The certificate of %(field)s can no longer be validated (%(reason)s): the "
                                  "signature cannot be renewed."), field=emb.field_name, reason=str(exc)[:200]) from exc
    DocumentSecurityStore.supply_dss_in_writer(writer, None, paths=paths, validation_context=vc)
    out = io.BytesIO()
    try:
        await PdfTimeStamper(timestamper).async_timestamp_pdf(
            writer, MD_ALGORITHM, validation_context=vc, output=out, dss_settings=_DSS_BEFORE_TIMESTAMP)
    except TimestampRequestError as exc:
        raise SigningError(MSG_NO_TSA_ANSWER) from exc
    except (PyHankoSigningError, PathBuildingError, PathValidationError, ValidationError) as exc:
        raise SigningError(N_("The document timestamp could not be added.")) from exc
    finally:
        await vc.aclose()
    return out.getvalue()


def _to_cover(reader: PdfFileReader) -> list[EmbeddedPdfSignature]:
    """The signatures whose validation data a renewal must add: the last document timestamp when there is
    one (it covers the rest), else every signature."""
    stamps = reader.embedded_timestamp_signatures
    if stamps:
        return [stamps[-1]]
    return list(reader.embedded_regular_signatures)


def renewal_due_at(data: bytes) -> datetime | None:
    """When the file's protection ends: the last document timestamp's TSA certificate expiry, or, before any
    document timestamp, the earliest expiry of a signing certificate or of a signature timestamp's TSA.
    None for an unsigned file. Raises UnreadablePdfError."""
    try:
        reader = PdfFileReader(io.BytesIO(data))
        stamps = reader.embedded_timestamp_signatures
        if stamps:
            return _not_after(stamps[-1].signed_data)
        ends = []
        for emb in reader.embedded_regular_signatures:
            ends.append(_not_after(emb.signed_data))
            ends.extend(_not_after(tst) for tst in extract_tst_data_iter(emb.signer_info, signed=False))
        return min(ends) if ends else None
    except _UNREADABLE as exc:
        raise UnreadablePdfError(pdfsafety.MSG_DAMAGED) from exc


def _not_after(signed_data: cms.SignedData) -> datetime:
    not_after: datetime = extract_certificate_info(signed_data).signer_cert.not_valid_after
    return not_after


def check_renewal(issued: bytes, candidate: bytes) -> RenewalCheck:
    """Whether ``candidate`` is ``issued`` followed only by validation data and document timestamps.

    The checks: the issued bytes unchanged at its start, nothing after its last %%EOF, every signature after
    the issued revisions a document timestamp whose byte range and digest hold, at least one of them, and
    pyHanko's difference analysis from the issued revision finding nothing beyond DSS and timestamp updates.
    Whether the timestamps are trusted is the verification report's question. Raises nothing.
    """
    if len(candidate) <= len(issued) or not candidate.startswith(issued):
        return RenewalCheck((RenewalProblem.of(N_("The file does not begin with the issued bytes followed by "
                                                  "anything more.")),))
    if pdfsafety.trailing_garbage(candidate):
        return RenewalCheck((RenewalProblem.of(N_("Bytes follow the file's last end-of-file marker.")),))
    try:
        base = PdfFileReader(io.BytesIO(issued)).xrefs.total_revisions
        reader = PdfFileReader(io.BytesIO(candidate))
        problems, stamps = _new_signatures(reader, candidate, base)
        problems.extend(_modifications(reader, base))
    except _UNREADABLE:
        return RenewalCheck((RenewalProblem.of(N_("The revisions added after the issued bytes cannot be read.")),))
    if not stamps and not problems:
        problems.append(RenewalProblem.of(N_("The added revisions hold no document timestamp.")))
    return RenewalCheck(tuple(problems), tuple(stamps))


def _new_signatures(reader: PdfFileReader, data: bytes, base: int) -> tuple[list[RenewalProblem], list[datetime]]:
    problems: list[RenewalProblem] = []
    stamps: list[datetime] = []
    for emb in reader.embedded_signatures:
        if emb.signed_revision < base:
            continue
        if emb.sig_object_type != DOC_TIMESTAMP:
            problems.append(RenewalProblem.of(N_("A new signature (%(field)s) was added after the issued bytes, "
                                                 "not a document timestamp."), field=emb.field_name))
            continue
        tst_info = _tst_info(emb)
        defect = pdfsafety.byte_range_defect(emb.byte_range, emb.pkcs7_content, data)
        imprint = tst_info["message_imprint"]
        if defect is not None or imprint["hashed_message"].native != emb.compute_digest(
                imprint["hash_algorithm"]["algorithm"].native):
            problems.append(RenewalProblem.of(N_("The document timestamp %(field)s does not cover the file as it "
                                                 "claims."), field=emb.field_name))
            continue
        stamps.append(tst_info["gen_time"].native)
    return problems, stamps


def _tst_info(emb: EmbeddedPdfSignature) -> Any:
    return emb.signed_data["encap_content_info"]["content"].parsed


def _modifications(reader: PdfFileReader, base: int) -> list[RenewalProblem]:
    """pyHanko's difference analysis of every revision after the issued one against it."""
    try:
        result = DEFAULT_DIFF_POLICY.review_file(reader, base - 1)
    except SuspiciousModification as exc:
        return [RenewalProblem.of(N_("The added revisions change the issued document: %(reason)s"),
                                  reason=str(exc)[:200])]
    if isinstance(result, SuspiciousModification):
        return [RenewalProblem.of(N_("The added revisions change the issued document: %(reason)s"),
                                  reason=str(result)[:200])]
    if result.modification_level > ModificationLevel.LTA_UPDATES:
        return [RenewalProblem.of(N_("The added revisions change more than validation data and document "
                                     "timestamps (%(level)s)."), level=result.modification_level.name.lower())]
    return []


__all__ = ["DOC_TIMESTAMP", "RenewalCheck", "RenewalProblem", "check_renewal", "renew_pdf", "renewal_due_at"]
