"""pyHanko's validation of every signature in one document, with the checks pyHanko leaves to the caller.

Runs inside verify.py's worker thread. pyHanko does the cryptography, the chain building and the difference
analysis; this module decides which validation time and revocation data to trust a signature with, and
reports.py turns the outcome into docflow's words.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime
from io import BytesIO
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import (
    EmbeddedPdfSignature,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleTrustManager

from docflow.errors import UnreadablePdfError
from docflow.signing import pdfsafety, reports
from docflow.signing._pyhanko_compat import offer_only_own_ocsp
from docflow.signing.base import PadesLevel
from docflow.signing.reports import AnyStatus, Findings
from docflow.signing.results import (
    MSG_ENCRYPTED,
    MSG_TOO_SLOW,
    ModificationLevel,
    Problem,
    ProblemCode,
    RevocationSource,
    SignatureReport,
    VerificationResult,
    iso,
    malformed_report,
)
from docflow.signing.revinfo import EmbeddedData
from docflow.signing.revinfo import covers as revinfo_covers
from docflow.signing.trust import TrustSettings

PADES_SUBFILTERS = frozenset({"/ETSI.CAdES.detached"})
# What pyHanko raises on hostile input while reading one signature: that signature is malformed.
_UNREADABLE_SIGNATURE = (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError)


async def check_document(data: bytes, trust: TrustSettings, now: datetime | None,
                         deadline: float) -> VerificationResult:
    """Parse once and check every signature. Raises UnreadablePdfError (also once ``deadline``, a
    ``time.monotonic()`` value, has passed between two signatures)."""
    reader, fields, embedded = _read(data)
    errors: list[Problem] = []
    garbage = pdfsafety.trailing_garbage(data)
    if garbage:
        errors.append(Problem.of(ProblemCode.TRAILING_BYTES, count=garbage))
    checker = Checker(data, reader, trust, now, embedded)
    try:
        signatures = await checker.check_all(fields, deadline)
    except RecursionError:
        raise UnreadablePdfError(pdfsafety.MSG_TOO_DEEP) from None
    finally:
        await checker.close()
    if not any(not r.is_timestamp for r in signatures):
        errors.append(Problem.of(ProblemCode.UNSIGNED))
    valid = not errors and all(r.ok for r in signatures)
    return VerificationResult(valid=valid, signatures=tuple(signatures), errors=tuple(errors), sha256="")


def _read(data: bytes) -> tuple[PdfFileReader, list[tuple[str, Any]], EmbeddedData]:
    """The reader, every filled signature field and the DSS's data. Raises UnreadablePdfError."""
    try:
        reader = PdfFileReader(BytesIO(data))
        if reader.encrypted:
            raise UnreadablePdfError(MSG_ENCRYPTED)
        # every filled signature field, of any SubFilter: pyHanko's own listing silently drops unknown ones
        fields = [(name, sig_field) for name, _, sig_field in enumerate_sig_fields(reader, filled_status=True)]
        return reader, fields, EmbeddedData.read(reader)
    except RecursionError:
        raise UnreadablePdfError(pdfsafety.MSG_TOO_DEEP) from None
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise UnreadablePdfError(pdfsafety.MSG_DAMAGED) from exc


class Checker:
    """Checks the signatures of one document with one shared validation context."""

    def __init__(self, data: bytes, reader: PdfFileReader, trust: TrustSettings, now: datetime | None,
                 embedded: EmbeddedData) -> None:
        self.data = data
        self.reader = reader
        self.trust = trust
        self.embedded = embedded
        self._now = now
        self._offline: ValidationContext | None = None
        self._extra_contexts: list[ValidationContext] = []
        self._revisions: dict[str, int] = {}
        self.vc = self._context(now)
        self.moment: datetime = self.vc.moment
        self.key_usage = KeyUsageConstraints(key_usage=set(reports.SIGNING_KEY_USAGES),
                                             match_all_key_usages=False)

    def _context(self, moment: datetime | None, *, retroactive: bool = False) -> ValidationContext:
        vc = ValidationContext(
            trust_manager=SimpleTrustManager.build(trust_roots=list(self.trust.roots)),
            other_certs=self.embedded.certs, crls=self.embedded.crls, ocsps=self.embedded.ocsps,
            allow_fetching=self.trust.allow_fetching, moment=moment, retroactive_revinfo=retroactive)
        offer_only_own_ocsp(vc)
        return vc

    def _offline_context(self) -> ValidationContext:
        """The trust roots and embedded certificates at the validation time, without revocation data."""
        if self._offline is None:
            self._offline = ValidationContext(
                trust_manager=SimpleTrustManager.build(trust_roots=list(self.trust.roots)),
                other_certs=self.embedded.certs, moment=self._now)
            self._extra_contexts.append(self._offline)
        return self._offline

    async def close(self) -> None:
        for vc in (self.vc, *self._extra_contexts):
            await vc.aclose()

    async def check_all(self, fields: list[tuple[str, Any]], deadline: float) -> list[SignatureReport]:
        """Reports of every signature, oldest first, unreadable ones last. Raises UnreadablePdfError
        past ``deadline``, and RecursionError."""
        # Open every signature before validating any (as pyHanko's own listing does): the signature
        # dictionaries, with their long /Contents strings, are then parsed once by the reader and
        # reused by the difference analysis instead of being parsed again per revision (6% of the time).
        opened: list[EmbeddedPdfSignature] = []
        unreadable: list[SignatureReport] = []
        for name, sig_field in fields:
            emb = self.open(name, sig_field)
            if isinstance(emb, SignatureReport):
                unreadable.append(emb)
            else:
                opened.append(emb)
        opened.sort(key=lambda e: e.signed_revision)
        checked = []
        for emb in opened:
            if time.monotonic() > deadline:
                raise UnreadablePdfError(MSG_TOO_SLOW, seconds=f"{self.trust.time_limit_seconds:g}")
            checked.append(await self.check(emb))
        return self.add_lta_levels(checked) + unreadable

    def open(self, name: str, sig_field: Any) -> EmbeddedPdfSignature | SignatureReport:
        """Read one filled signature field; one that cannot be read becomes a malformed report.

        Raises RecursionError (the caller turns it into UnreadablePdfError).
        """
        try:
            emb = EmbeddedPdfSignature(self.reader, sig_field, name)
            self._revisions[name] = emb.signed_revision
            return emb
        except _UNREADABLE_SIGNATURE:
            return malformed_report(name)

    async def check(self, emb: EmbeddedPdfSignature) -> SignatureReport:
        """Check one opened signature; one pyHanko cannot process becomes a malformed report.

        Raises RecursionError (the caller turns it into UnreadablePdfError).
        """
        try:
            subfilter = str(emb.sig_object.get("/SubFilter", ""))
            defect = pdfsafety.byte_range_defect(emb.byte_range, emb.pkcs7_content, self.data)
            if emb.sig_object_type == "/DocTimeStamp":
                return await self._check_timestamp(emb, defect)
            return await self._check_signature(emb, defect, subfilter)
        except (*_UNREADABLE_SIGNATURE, SignatureValidationError, NotImplementedError):
            return malformed_report(emb.field_name)

    async def _check_signature(self, emb: EmbeddedPdfSignature, defect: str | None,
                               subfilter: str) -> SignatureReport:
        """Validate one /Sig signature and turn the outcome into a report. Raises pyHanko's errors."""
        status, trust_status, revocation_checked = await self._validate(emb)
        tst = trust_status.timestamp_validity
        tst_ok = reports.timestamp_ok(trust_status) and tst is not None
        tst_time = tst.timestamp if tst is not None else None
        cert = status.signing_cert
        reference_time = tst_time if tst_ok and tst_time is not None else self.moment
        ku_ok = reports.key_usage_ok(cert)
        problems = reports.integrity_problems(status.intact and status.valid, defect, status.coverage)
        problems += self._trust_problems(trust_status, cert, reference_time, ku_ok)
        if tst is not None and not tst_ok:
            problems.append(Problem.of(ProblemCode.TIMESTAMP_INVALID))
        if not status.seed_value_ok:
            problems.append(Problem.of(ProblemCode.SEED_VALUE))
        level = reports.modification_level(status)
        if status.docmdp_ok is False or level is ModificationLevel.OTHER:
            problems.append(Problem.of(ProblemCode.DISALLOWED_MODIFICATION, level=level))
        revoked, source = self._revocation(trust_status, cert, revocation_checked, reference_time)
        return reports.report(emb, status, Findings(
            intact=status.intact and status.valid, trusted=trust_status.trusted and ku_ok, revoked=revoked,
            source=source, key_usage_ok=ku_ok, signing_time=status.signer_reported_dt, timestamp_time=tst_time,
            level=level, pades=self._pades_level(subfilter, tst is not None, cert), is_timestamp=False,
            problems=problems))

    async def _validate(self, emb: EmbeddedPdfSignature) -> tuple[PdfSignatureStatus, PdfSignatureStatus, bool]:
        """pyHanko's status of the signature, the status to take trust from (a second opinion when the
        first was not trusted) and whether revocation was actually checked."""
        soft_fails = len(self.vc.soft_fail_exceptions)
        status = await async_validate_pdf_signature(emb, self.vc, key_usage_settings=self.key_usage)
        revocation_checked = len(self.vc.soft_fail_exceptions) == soft_fails
        if status.intact and status.valid and not (status.trusted and reports.timestamp_ok(status)):
            trust_status, revocation_checked = await self._second_opinion(emb, status, revocation_checked)
            return status, trust_status, revocation_checked
        return status, status, revocation_checked

    async def _second_opinion(self, emb: EmbeddedPdfSignature, status: PdfSignatureStatus,
                              revocation_checked: bool) -> tuple[PdfSignatureStatus, bool]:
        """Re-judge the trust of an intact signature that the first validation did not accept.

        Two things make the first validation, at the current time with the embedded revocation data,
        too strict: (1) revocation data embedded at signing time is stale weeks later, and
        pyhanko-certvalidator treats stale data as a failed check (worse than having none); (2) a
        certificate that expired or was revoked *after* a trusted timestamp is still fine. So: without
        a revocation finding, check again offline without the embedded revocation data (revocation then
        becomes unknown, unless the embedded data lists the certificate as revoked); and with a trusted
        timestamp, judge the certificate at the timestamp time, against the embedded revocation data.
        Returns the status to take trust from and whether revocation was actually checked.
        """
        best, checked = status, revocation_checked
        if status.revocation_details is None:
            offline = self._offline_context()
            alternative = await async_validate_pdf_signature(
                emb, offline, ts_validation_context=offline, key_usage_settings=self.key_usage, skip_diff=True)
            if alternative.trusted or (reports.timestamp_ok(alternative) and not reports.timestamp_ok(status)):
                best, checked = alternative, False
        tst = best.timestamp_validity
        if tst is not None and reports.timestamp_ok(best) and (not best.trusted or not checked):
            at_timestamp = self._context(tst.timestamp, retroactive=True)
            self._extra_contexts.append(at_timestamp)
            judged = await async_validate_pdf_signature(
                emb, at_timestamp, ts_validation_context=self._offline_context(),
                key_usage_settings=self.key_usage, skip_diff=True)
            if judged.trusted or not best.trusted:
                best, checked = judged, self.embedded.covers(emb.signer_cert)
        return best, checked

    async def _check_timestamp(self, emb: EmbeddedPdfSignature, defect: str | None) -> SignatureReport:
        """Validate one document timestamp (listed like a signature). Raises pyHanko's errors."""
        status = await async_validate_pdf_timestamp(emb, self.vc)
        trust_status, checked = status, True
        if status.intact and status.valid and not status.trusted and status.revocation_details is None:
            trust_status, checked = await async_validate_pdf_timestamp(emb, self._offline_context()), False
        cert = status.signing_cert
        problems = reports.integrity_problems(status.intact and status.valid, defect, status.coverage)
        problems += self._trust_problems(trust_status, cert, status.timestamp, True)
        level = reports.modification_level(status)
        if level is ModificationLevel.OTHER:
            problems.append(Problem.of(ProblemCode.DISALLOWED_MODIFICATION, level=level))
        revoked, source = self._revocation(trust_status, cert, checked, status.timestamp)
        return reports.report(emb, status, Findings(
            intact=status.intact and status.valid, trusted=trust_status.trusted, revoked=revoked, source=source,
            key_usage_ok=True, signing_time=status.timestamp, timestamp_time=status.timestamp, level=level,
            pades=None, is_timestamp=True, problems=problems))

    def _trust_problems(self, status: AnyStatus, cert: asn1_x509.Certificate, at: datetime,
                        ku_ok: bool) -> list[Problem]:
        problems: list[Problem] = []
        weak = reports.weak_algorithms(status)
        if weak:
            problems.append(Problem.of(ProblemCode.WEAK_DIGEST, algorithm=", ".join(weak)))
        if at > cert.not_valid_after:
            problems.append(Problem.of(ProblemCode.EXPIRED, not_after=iso(cert.not_valid_after)))
        elif at < cert.not_valid_before:
            problems.append(Problem.of(ProblemCode.NOT_YET_VALID, not_before=iso(cert.not_valid_before)))
        problems += self._revocation_problems(status, cert, at)
        if not ku_ok:
            usage = cert.key_usage_value.native if cert.key_usage_value is not None else []
            problems.append(Problem.of(ProblemCode.KEY_USAGE, usage=", ".join(sorted(usage)) or "-"))
        if not status.trusted and not problems and status.intact and status.valid:
            problems.append(Problem.of(ProblemCode.UNTRUSTED_CHAIN))
        return problems

    def _revocation_problems(self, status: AnyStatus, cert: asn1_x509.Certificate, at: datetime) -> list[Problem]:
        details = status.revocation_details
        if details is not None:
            return [Problem.of(ProblemCode.REVOKED, date=iso(details.revocation_date),
                               reason=str(details.revocation_reason.native))]
        listed = self.embedded.listed_as_revoked(cert)
        if listed is not None and listed[0] <= at:
            # Embedded data the chosen validation did not use (stale) still lists the certificate.
            return [Problem.of(ProblemCode.REVOKED, date=iso(listed[0]), reason=listed[1])]
        return []

    def _revocation(self, status: AnyStatus, cert: asn1_x509.Certificate, checked: bool,
                    at: datetime) -> tuple[bool | None, RevocationSource]:
        source = RevocationSource.NONE
        if self.embedded.covers(cert):
            source = RevocationSource.EMBEDDED
        elif self.trust.allow_fetching:
            manager = self.vc.revinfo_manager
            if revinfo_covers(cert, manager.crls, manager.ocsps):
                source = RevocationSource.FETCHED
        listed = self.embedded.listed_as_revoked(cert)
        if status.revoked or (listed is not None and listed[0] <= at):
            return True, source
        if source is RevocationSource.NONE or not checked or status.validation_path is None:
            return None, source
        return False, source

    def _pades_level(self, subfilter: str, timestamped: bool, cert: asn1_x509.Certificate) -> str | None:
        if subfilter not in PADES_SUBFILTERS:
            return None
        if not timestamped:
            return PadesLevel.B_B.value
        return PadesLevel.B_LT.value if self.embedded.covers(cert) else PadesLevel.B_T.value

    def add_lta_levels(self, checked: list[SignatureReport]) -> list[SignatureReport]:
        """Raise B-LT to B-LTA where a valid document timestamp was added in a later revision."""
        stamped = [self._revisions.get(r.field, -1) for r in checked if r.is_timestamp and r.intact and r.trusted]
        out = []
        for report in checked:
            revision = self._revisions.get(report.field, -1)
            if report.pades_level == PadesLevel.B_LT.value and any(s > revision for s in stamped):
                report = dataclasses.replace(report, pades_level=PadesLevel.B_LTA.value)
            out.append(report)
        return out
