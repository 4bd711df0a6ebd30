"""The signing service: keys, PAdES signing, stamps and verification.

Bytes in, bytes or result values out. Nothing here imports the database or Flask (DESIGN.md §5), so the
CLI, the web app and the benchmarks all call the same functions.

The public names below load on first use: importing ``docflow.signing.base`` (the vocabulary models and
templates need) must not load pyHanko, which the CLI and the web app would otherwise pay for at start-up.

    sign.py        sign_pdf, SigningSession, SignRequest, SigningContext, add_document_timestamp
    fields.py      ensure_fields, fill_fields, read_text_fields, text_field_values, TextField
    appearance.py  Appearance (what a visible signature shows); geometry.py, content.py: where it goes
    stamp.py       the appearance templates; typefaces.py the fonts; demo_images.py the demo's images
    verify.py      verify_pdf, TrustSettings; results.py the report values and their codes
    keys.py        load_pkcs12, open_token, check_certificate, crl_revocation, SigningKey
    pki.py         DevelopmentCA; timestamp.py LocalTimeStamper, timestamper_for
    _pyhanko_compat.py   every use of a private pyHanko name, pinned by tests/signing/test_pyhanko_compat.py
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docflow.signing.appearance import Appearance
    from docflow.signing.base import DATE_FIELD, NUMBER_FIELD, CertificateKind, PadesLevel, SignatureKind
    from docflow.signing.fields import TextField, ensure_fields, fill_fields, read_text_fields, text_field_values
    from docflow.signing.incremental import open_incremental
    from docflow.signing.keys import SigningKey, check_certificate, crl_revocation, load_pkcs12, open_token
    from docflow.signing.pki import DevelopmentCA
    from docflow.signing.results import (
        Coverage,
        ModificationLevel,
        Problem,
        ProblemCode,
        RevocationSource,
        SignatureReport,
        VerificationResult,
        Verdict,
    )
    from docflow.signing.sign import SignRequest, SigningContext, SigningSession, add_document_timestamp, sign_pdf
    from docflow.signing.demo_images import demo_seal_png, demo_signature_png
    from docflow.signing.timestamp import LocalTimeStamper, timestamper_for
    from docflow.signing.trust import TrustSettings
    from docflow.signing.verify import verify_pdf

_HOMES = {
    "Appearance": "appearance",
    "DATE_FIELD": "base", "NUMBER_FIELD": "base", "CertificateKind": "base", "PadesLevel": "base",
    "SignatureKind": "base",
    "TextField": "fields", "ensure_fields": "fields", "fill_fields": "fields", "read_text_fields": "fields",
    "text_field_values": "fields",
    "open_incremental": "incremental",
    "SigningKey": "keys", "check_certificate": "keys", "crl_revocation": "keys", "load_pkcs12": "keys",
    "open_token": "keys",
    "DevelopmentCA": "pki",
    "Coverage": "results", "ModificationLevel": "results", "Problem": "results", "ProblemCode": "results",
    "RevocationSource": "results", "SignatureReport": "results", "VerificationResult": "results",
    "Verdict": "results",
    "SignRequest": "sign", "SigningContext": "sign", "SigningSession": "sign", "add_document_timestamp": "sign",
    "sign_pdf": "sign",
    "demo_seal_png": "demo_images", "demo_signature_png": "demo_images",
    "LocalTimeStamper": "timestamp", "timestamper_for": "timestamp",
    "TrustSettings": "trust",
    "verify_pdf": "verify",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (see the module docstring)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
