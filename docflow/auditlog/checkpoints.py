"""Signed checkpoints: the chain head (seq, hash, time) signed with the ward's system key.

The signature is a detached CMS SignedData over ``checkpoint_payload`` (canonical JSON), made with a
pyHanko ``Signer``, so a system key on a PKCS#11 token works like a PKCS#12 file, and the signed
attributes (content type, message digest, signing-certificate-v2) are the standard CAdES-BES ones any CMS
tool reads (``openssl cms -verify -binary -content payload``). When a TSA is configured, an RFC 3161 token
over SHA-256 of that CMS is kept beside it.

Verification needs neither pyHanko's PDF machinery nor a database: the CMS signature is checked with
``cryptography``, the signer's certificate path once per certificate with pyhanko-certvalidator against the
ward's roots, and revocation against the CRLs given (signatures checked), at the checkpoint's time.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from asn1crypto import cms, pem, tsp
from asn1crypto import x509 as asn1_x509

from docflow.auditlog.chain import canonical_json, format_time

if TYPE_CHECKING:
    from pyhanko.sign.timestamps import TimeStamper

    from docflow.signing.keys import SigningKey

PAYLOAD_FORMAT = "docflow-audit-checkpoint/1"


def checkpoint_payload(*, seq: int, hash: str, created_at: datetime, organisation: str) -> bytes:
    """The bytes a checkpoint's signature covers."""
    return canonical_json({"format": PAYLOAD_FORMAT, "seq": seq, "hash": hash,
                           "created_at": format_time(created_at), "organisation": organisation}).encode("utf-8")


@dataclass(frozen=True)
class Checkpoint:
    """A signed chain head as stored and exported."""
    seq: int
    hash: str
    created_at: datetime
    organisation: str
    signature: bytes = field(repr=False)                       # CMS SignedData, DER, detached over payload()
    certificate: bytes = field(repr=False)                     # the signer's certificate, DER
    timestamp_token: bytes | None = field(default=None, repr=False)  # RFC 3161, over sha256(signature)

    def payload(self) -> bytes:
        return checkpoint_payload(seq=self.seq, hash=self.hash, created_at=self.created_at,
                                  organisation=self.organisation)


def sign_checkpoint(key: SigningKey, *, seq: int, hash: str, created_at: datetime, organisation: str,
                    timestamper: TimeStamper | None = None) -> Checkpoint:
    """Sign a chain head with ``key`` (and timestamp the signature when ``timestamper`` is given).

    Raises whatever the signer or the TSA raise; the caller decides whether that blocks anything.
    """
    payload = checkpoint_payload(seq=seq, hash=hash, created_at=created_at, organisation=organisation)

    async def run() -> tuple[bytes, bytes | None]:
        der = await _sign_detached(key, payload)
        token = None
        if timestamper is not None:
            token = (await timestamper.async_timestamp(hashlib.sha256(der).digest(), "sha256")).dump()
        return der, token

    der, token = asyncio.run(run())
    return Checkpoint(seq, hash, created_at, organisation, der, key.certificate.dump(), token)


async def _sign_detached(key: SigningKey, payload: bytes) -> bytes:
    signed = await key.signer.async_sign_general_data(payload, "sha256", detached=True)
    return bytes(signed.dump())


def sign_detached(key: SigningKey, payload: bytes) -> bytes:
    """A detached CMS SignedData (DER) over ``payload`` made with ``key``, its certificate embedded: what signs
    a checkpoint, and the manifest of an archive transfer package (``openssl cms -verify -binary``)."""
    return asyncio.run(_sign_detached(key, payload))


def detached_problem(signature: bytes, payload: bytes, trust: Trust, moment: datetime) -> str | None:
    """Why the detached CMS ``signature`` does not prove ``payload`` under ``trust`` at ``moment`` (its value,
    the signer certificate embedded in it, that certificate's path and revocation), or None. Never raises."""
    try:
        signed_data, signer_info = _signed_data(signature)
        embedded = [c.chosen for c in signed_data["certificates"] or [] if c.name == "certificate"]
        sid = signer_info["sid"]
        cert = next((c for c in embedded if (
            c.issuer == sid.chosen["issuer"] and c.serial_number == sid.chosen["serial_number"].native
            if sid.name == "issuer_and_serial_number" else c.key_identifier == sid.chosen.native)), None)
        if cert is None:
            return "the signer's certificate is not in the signature"
        return _signature_problem(signer_info, payload, cert) or trust.path_problem(cert, embedded, moment, "signing")
    except (ValueError, TypeError, KeyError) as exc:
        return f"the signature cannot be read ({type(exc).__name__})"


@dataclass(frozen=True)
class CheckpointCheck:
    valid: bool
    problem: str = ""
    signer: str = ""
    timestamped_at: datetime | None = None


def load_certificates(pems: Sequence[bytes]) -> list[asn1_x509.Certificate]:
    """Certificates from PEM (one or several per item) or DER items."""
    out: list[asn1_x509.Certificate] = []
    for item in pems:
        if pem.detect(item):
            out.extend(asn1_x509.Certificate.load(der) for _t, _h, der in pem.unarmor(item, multiple=True))
        else:
            out.append(asn1_x509.Certificate.load(item))
    return out


class Trust:
    """The ward's trust roots, the CA certificates between, and CRLs: what checkpoints are checked against.
    Path validation runs once per signer certificate; results are cached."""

    def __init__(self, roots: Sequence[bytes], *, intermediates: Sequence[bytes] = (),
                 crls: Sequence[bytes] = ()) -> None:
        self.roots = load_certificates(roots)
        self.intermediates = load_certificates(intermediates)
        self.revoked, self.crl_issuers = _revocations(crls, [*self.roots, *self.intermediates])
        self._paths: dict[tuple[bytes, str], str | None] = {}
        self._checks: dict[Checkpoint, CheckpointCheck] = {}

    @property
    def revocation_checked(self) -> bool:
        return bool(self.crl_issuers)

    def check(self, checkpoint: Checkpoint) -> CheckpointCheck:
        """``verify_checkpoint`` with this trust, cached per checkpoint."""
        result = self._checks.get(checkpoint)
        if result is None:
            result = self._checks[checkpoint] = verify_checkpoint(checkpoint, self)
        return result

    def path_problem(self, cert: asn1_x509.Certificate, extra: Sequence[asn1_x509.Certificate], moment: datetime,
                     purpose: str) -> str | None:
        """Why ``cert`` does not chain to a root for ``purpose`` ("signing" or "timestamping"), or None."""
        key = (cert.dump(), purpose)
        if key not in self._paths:
            self._paths[key] = self._validate(cert, extra, moment, purpose)
        if self._paths[key] is not None:
            return self._paths[key]
        for member in (cert, *self.intermediates, *extra):
            revoked_at = self.revoked.get((member.issuer.dump(), member.serial_number))
            if revoked_at is not None and revoked_at <= moment:
                return f"the certificate {member.subject.human_friendly} was revoked on {revoked_at:%Y-%m-%d}"
        validity = cert["tbs_certificate"]["validity"]
        if not validity["not_before"].native <= moment <= validity["not_after"].native:
            return f"the certificate was not valid at {moment:%Y-%m-%d %H:%M}"
        return None

    def _validate(self, cert: asn1_x509.Certificate, extra: Sequence[asn1_x509.Certificate], moment: datetime,
                  purpose: str) -> str | None:
        from pyhanko_certvalidator import CertificateValidator, ValidationContext
        from pyhanko_certvalidator.errors import InvalidCertificateError, PathBuildingError, ValidationError

        if not self.roots:
            return "no trust root was given"
        # Revocation is checked by the caller against the CRLs at each checkpoint's own time.
        context = ValidationContext(trust_roots=self.roots, other_certs=[*self.intermediates, *extra],
                                    allow_fetching=False, revocation_mode="soft-fail", moment=moment)
        validator = CertificateValidator(cert, intermediate_certs=[*self.intermediates, *extra],
                                         validation_context=context)
        try:
            if purpose == "timestamping":
                asyncio.run(validator.async_validate_usage(set(), extended_key_usage={"time_stamping"}))
            else:
                asyncio.run(validator.async_validate_usage({"digital_signature"}))
        except (PathBuildingError, InvalidCertificateError):
            return "its certificate does not chain to the trust root"
        except ValidationError as exc:
            return f"its certificate is not valid: {exc}"
        return None


def _revocations(crls: Sequence[bytes], issuers: Sequence[asn1_x509.Certificate]
                 ) -> tuple[dict[tuple[bytes, int], datetime], list[bytes]]:
    """Revoked (issuer, serial) → date from CRLs whose signature verifies against a known CA certificate."""
    from cryptography import x509
    revoked: dict[tuple[bytes, int], datetime] = {}
    covered = []
    for der in crls:
        crl = x509.load_der_x509_crl(der)
        issuer = next((c for c in issuers if c.subject.dump() == crl.issuer.public_bytes()), None)
        if issuer is None:
            continue
        public_key: Any = x509.load_der_x509_certificate(issuer.dump()).public_key()
        if not crl.is_signature_valid(public_key):
            continue
        covered.append(issuer.subject.dump())
        for entry in crl:
            revoked[(issuer.subject.dump(), entry.serial_number)] = entry.revocation_date_utc
    return revoked, covered


def verify_checkpoint(checkpoint: Checkpoint, trust: Trust) -> CheckpointCheck:
    """Check a checkpoint's CMS signature over its payload, its signer's path to a trust root and
    revocation at its time, and its timestamp token if it has one. Never raises on bad input."""
    try:
        cert = asn1_x509.Certificate.load(checkpoint.certificate)
        signer = cert.subject.human_friendly
        signed_data, signer_info = _signed_data(checkpoint.signature)
        problem = _signature_problem(signer_info, checkpoint.payload(), cert)
        if problem is None:
            embedded = [c.chosen for c in signed_data["certificates"] or [] if c.name == "certificate"]
            problem = trust.path_problem(cert, embedded, checkpoint.created_at, "signing")
        if problem is not None:
            return CheckpointCheck(False, problem, signer)
        stamped_at = None
        if checkpoint.timestamp_token:
            stamped_at, problem = _timestamp(checkpoint.timestamp_token, checkpoint.signature, trust)
            if problem is not None:
                return CheckpointCheck(False, f"its timestamp does not verify: {problem}", signer)
        return CheckpointCheck(True, "", signer, stamped_at)
    except (ValueError, TypeError, KeyError) as exc:
        return CheckpointCheck(False, f"the signature cannot be read ({type(exc).__name__})")


def _signed_data(der: bytes) -> tuple[cms.SignedData, cms.SignerInfo]:
    info = cms.ContentInfo.load(der)
    if info["content_type"].native != "signed_data":
        raise ValueError("not a CMS SignedData")
    signed_data = info["content"]
    if len(signed_data["signer_infos"]) != 1:
        raise ValueError("not exactly one signer")
    return signed_data, signed_data["signer_infos"][0]


def _signature_problem(signer_info: cms.SignerInfo, content: bytes, cert: asn1_x509.Certificate) -> str | None:
    """Check one SignerInfo over ``content`` with ``cert``'s key: None when it verifies."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    sid = signer_info["sid"]
    if sid.name == "issuer_and_serial_number":
        matches = (sid.chosen["issuer"] == cert.issuer and sid.chosen["serial_number"].native == cert.serial_number)
    else:
        matches = sid.chosen.native == cert.key_identifier
    if not matches:
        return "the signature was not made with the certificate stored with it"
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    signed_attrs = signer_info["signed_attrs"]
    if not signed_attrs:
        return "the signature has no signed attributes"
    attrs = {a["type"].native: a["values"][0] for a in signed_attrs}
    if attrs.get("message_digest") is None or attrs["message_digest"].native != hashlib.new(digest_name, content).digest():
        return "the signed content differs (message digest mismatch)"
    data = signed_attrs.untag().dump()
    algorithm = signer_info["signature_algorithm"]
    hash_algorithm = hashes.Hash(getattr(hashes, digest_name.upper())()).algorithm
    public_key = x509.load_der_x509_certificate(cert.dump()).public_key()
    signature = signer_info["signature"].native
    try:
        if algorithm.signature_algo == "ecdsa" and isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hash_algorithm))
        elif algorithm.signature_algo == "rsassa_pss" and isinstance(public_key, rsa.RSAPublicKey):
            salt = algorithm["parameters"]["salt_length"].native
            public_key.verify(signature, data, padding.PSS(padding.MGF1(hash_algorithm), salt), hash_algorithm)
        elif algorithm.signature_algo == "rsassa_pkcs1v15" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
        else:
            return f"unsupported signature algorithm {algorithm['algorithm'].native}"
    except InvalidSignature:
        return "the signature value does not verify"
    return None


def _timestamp(token: bytes, signature: bytes, trust: Trust) -> tuple[datetime | None, str | None]:
    signed_data, signer_info = _signed_data(token)
    content = signed_data["encap_content_info"]
    tst_der = content["content"].contents if content["content"].native is not None else b""
    tst_info = tsp.TSTInfo.load(tst_der)
    imprint = tst_info["message_imprint"]
    if imprint["hashed_message"].native != hashlib.sha256(signature).digest():
        return None, "it stamps other data"
    certs = [c.chosen for c in signed_data["certificates"] or [] if c.name == "certificate"]
    sid = signer_info["sid"].chosen
    tsa = next((c for c in certs if (sid.native == c.key_identifier if signer_info["sid"].name != "issuer_and_serial_number"
                                     else c.serial_number == sid["serial_number"].native)), None)
    if tsa is None:
        return None, "the TSA certificate is missing"
    problem = _signature_problem(signer_info, tst_der, tsa)
    gen_time: datetime = tst_info["gen_time"].native
    if problem is None:
        problem = trust.path_problem(tsa, certs, gen_time, "timestamping")
    return gen_time, problem
