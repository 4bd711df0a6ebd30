"""Signatures: the initial (ký nháy), the personal signature and the ward's seal, made through one shared
helper (apply); the record of which step made which version (records); verification with kept reports
(reports) and its audit (verification_log); and the check of a document's whole chain against docflow's
records (chain).

The seal needs a VerifiedPersonalSignature, which only verify_personal_signature makes.
"""

from docflow.models import utc_now  # noqa: F401 - callers of the former services.signing reach it here
from docflow.services.signatures.account import MAX_SIGNATURE_IMAGE_BYTES, my_certificates, set_signature_image
from docflow.services.signatures.appearance import appearance_for, number_and_date_values, signing_authority
from docflow.services.signatures.apply import SignOutcome
from docflow.services.signatures.chain import ChainCheck, ChainStep, Finding, build_check, check_document
from docflow.services.signatures.context import (
    ORGANISATION_KINDS,
    OpenedKey,
    certificate_kind,
    level_for,
    local_today,
    open_key,
    open_text_stamp,
    signing_context,
)
from docflow.services.signatures.holder import check_holder
from docflow.services.signatures.page import kinds_for, sign_version
from docflow.services.signatures.personal import sign_initial, sign_personal
from docflow.services.signatures.records import recorded_signatures, signatures_of
from docflow.services.signatures.reports import (
    cached_report,
    current_report,
    keep_report_if_signed,
    report_dict,
    trust_key,
    trust_settings,
    verify_ahead,
    verify_bytes,
    verify_upload_ahead,
    verify_version,
)
from docflow.services.signatures.seal import (
    VerifiedPersonalSignature,
    require_valid_personal_signature,
    sign_seal,
    verify_personal_signature,
)
from docflow.services.signatures.verification_log import record_verification, report_by_digest
from docflow.signing.base import SignatureKind  # noqa: F401 - callers of the former services.signing reach it here

__all__ = [
    "check_holder",
    "MAX_SIGNATURE_IMAGE_BYTES", "ORGANISATION_KINDS", "ChainCheck", "ChainStep", "Finding", "OpenedKey",
    "SignOutcome", "VerifiedPersonalSignature", "appearance_for", "build_check", "cached_report",
    "certificate_kind", "check_document", "current_report", "keep_report_if_signed", "kinds_for", "level_for",
    "local_today", "my_certificates", "number_and_date_values", "open_key", "open_text_stamp", "record_verification",
    "recorded_signatures", "report_by_digest", "report_dict", "require_valid_personal_signature",
    "set_signature_image", "sign_initial", "sign_personal", "sign_seal", "sign_version", "signatures_of",
    "signing_authority", "signing_context", "trust_key", "trust_settings", "verify_ahead", "verify_bytes",
    "verify_personal_signature", "verify_upload_ahead", "verify_version",
]
