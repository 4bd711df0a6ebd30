"""docflow's own development CA: root, issuing CA, TSA and OCSP responder, CRLs and officials' PKCS#12 files.

Production points at the real CA chain (``signing.ca = "production"``); this CA exists so a ward can try the
whole signature chain (DESIGN.md §3) on its own machine. Everything lives in one directory, usually
``keys_dir / "ca"``:

    ca.json             settings (URLs, CRL numbers, the TSA and OCSP certificates' serials)
    index.json          the CA database: every issued certificate (with its DER) and its status
    root.pem issuing.pem tsa.pem ocsp.pem            certificates
    root.key issuing.key tsa.key ocsp.key            PKCS#8 keys encrypted under the CA passphrase, mode 0600
    root.crl issuing.crl                             the current CRLs (DER)

Every file is written atomically; changes to the index and the CRLs happen under an exclusive file lock, so
the CLI and the web app can share the directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal, get_args

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from docflow.errors import N_, ConfigurationError, ConflictError, NotFoundError, ValidationError
from docflow.signing import atomic, x509build
from docflow.signing.base import CertificateKind
from docflow.signing.issued import CertificateStatus, IssuedCertificate
from docflow.signing.keys import RevocationCheck
from docflow.signing.timestamp import LocalTimeStamper

ROOT_VALIDITY = timedelta(days=3652)
ISSUING_VALIDITY = timedelta(days=1826)
CRL_VALIDITY = timedelta(days=7)
CRL_REFRESH_BEFORE = timedelta(days=1)   # crl_der() reissues a CRL this close to its nextUpdate
OCSP_VALIDITY = timedelta(hours=12)
MIN_PIN_LENGTH = 6
KeyType = Literal["rsa", "ec"]
CrlIssuer = Literal["issuing", "root"]

_HOLDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_ROLES = ("root", "issuing", "tsa", "ocsp")
_KEY_MODE = 0o600
# Revocation reasons an end-entity certificate can have (RFC 5280 §5.3.1); holds are not supported.
REVOCATION_REASONS = (x509.ReasonFlags.unspecified, x509.ReasonFlags.key_compromise,
                      x509.ReasonFlags.affiliation_changed, x509.ReasonFlags.superseded,
                      x509.ReasonFlags.cessation_of_operation, x509.ReasonFlags.privilege_withdrawn)


@dataclass(frozen=True)
class _Credential:
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey


class DevelopmentCA:
    """The ward's development CA in one directory; holds the decrypted CA keys while open."""

    def __init__(self, directory: Path, credentials: dict[str, _Credential], settings: dict[str, Any]) -> None:
        self.directory = directory
        self._credentials = credentials
        self._settings = settings

    def __repr__(self) -> str:
        return f"<DevelopmentCA {str(self.directory)!r}>"

    # --- creating and opening ---------------------------------------------------------------------

    @classmethod
    def create(cls, directory: Path, *, organisation: str, passphrase: bytes, ocsp_url: str, crl_url: str,
               root_crl_url: str | None = None, now: datetime | None = None,
               key_size: int = 3072) -> DevelopmentCA:
        """Create the root CA, the issuing CA, the TSA and OCSP responder certificates and the first CRLs.

        ``crl_url`` is where the issuing CA's CRL is published (end-entity certificates carry it);
        ``root_crl_url``, if given, goes into the issuing CA's certificate.
        Raises ConfigurationError if the directory already holds a CA or the passphrase is empty.
        """
        if not passphrase:
            raise ConfigurationError(N_("The CA passphrase must not be empty."))
        if not organisation.strip():
            raise ConfigurationError(N_("The CA needs an organisation name."))
        if any((directory / name).exists() for name in _marker_files()):
            raise ConfigurationError(N_("%(directory)s already holds a CA; refusing to overwrite it."),
                                     directory=str(directory))
        now = _second(now)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        credentials = _ca_credentials(organisation, now, key_size, ocsp_url=ocsp_url, crl_url=crl_url,
                                      root_crl_url=root_crl_url)
        _write_credentials(directory, credentials, passphrase)
        atomic.write_json(directory / "index.json", {"certificates": []})
        service_serials = [format(credentials[role].certificate.serial_number, "X") for role in ("tsa", "ocsp")]
        settings = {"version": 1, "organisation": organisation, "ocsp_url": ocsp_url, "crl_url": crl_url,
                    "root_crl_url": root_crl_url, "crl_numbers": {"root": 0, "issuing": 0},
                    "service_serials": service_serials}
        ca = cls(directory, credentials, settings)
        with ca._locked():
            issuers: tuple[CrlIssuer, ...] = ("root", "issuing")
            for issuer in issuers:
                ca._write_crl(issuer, now)
            atomic.write_json(directory / "ca.json", ca._settings)   # last: marks the CA complete
        return ca

    @classmethod
    def open(cls, directory: Path, passphrase: bytes) -> DevelopmentCA:
        """Load the CA in ``directory`` and decrypt its keys.

        Raises ConfigurationError if there is no CA there, a file is unreadable or the passphrase is wrong.
        """
        try:
            settings = json.loads((directory / "ca.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigurationError(N_("There is no development CA in %(directory)s."),
                                     directory=str(directory)) from None
        except (OSError, ValueError):
            raise ConfigurationError(N_("The development CA in %(directory)s cannot be read."),
                                     directory=str(directory)) from None
        credentials = {}
        for role in _ROLES:
            try:
                cert = x509.load_pem_x509_certificate((directory / f"{role}.pem").read_bytes())
                key_pem = (directory / f"{role}.key").read_bytes()
            except (OSError, ValueError):
                raise ConfigurationError(N_("The development CA in %(directory)s cannot be read."),
                                         directory=str(directory)) from None
            try:
                key = serialization.load_pem_private_key(key_pem, password=passphrase)
            except (ValueError, TypeError):
                # cryptography cannot tell a wrong passphrase from a damaged key; the former is far likelier.
                raise ConfigurationError(N_("The CA passphrase is not correct.")) from None
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ConfigurationError(N_("The development CA in %(directory)s cannot be read."),
                                         directory=str(directory))
            credentials[role] = _Credential(cert, key)
        return cls(directory, credentials, settings)

    # --- end-entity certificates ------------------------------------------------------------------

    def issue(self, *, holder: str, full_name: str, post: str, organisation: str, kind: CertificateKind,
              pin: str, out_dir: Path, validity_days: int, key_type: KeyType | str = "rsa",
              now: datetime | None = None, file_stem: str | None = None,
              key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None = None) -> IssuedCertificate:
        """Issue a signing certificate and write key, certificate and chain as a PKCS#12 file under ``pin``.

        Personal certificates go to ``out_dir/<holder>.p12``, the organisation's and the system's to
        ``organisation.p12`` and ``system.p12`` (``file_stem`` overrides the name); a renewed certificate
        replaces the older file atomically. ``key``, if given, is certified instead of a fresh key of
        ``key_type`` (the test suite reuses keys). Raises ValidationError for a short PIN, an unusable user
        name or file stem, an unknown key type, or a validity beyond the issuing CA's.
        """
        stem = file_stem or (holder if kind is CertificateKind.PERSONAL else kind.value)
        _check_request(pin=pin, names=(holder, stem), key_type=key_type, full_name=full_name,
                       organisation=organisation)
        now = _second(now)
        issuing = self._credentials["issuing"]
        not_after = now + timedelta(days=validity_days)
        if validity_days < 1 or not_after > issuing.certificate.not_valid_after_utc:
            raise ValidationError(N_("The certificate cannot be valid after the issuing CA (%(date)s)."),
                                  field="validity_days", date=issuing.certificate.not_valid_after_utc)
        path = out_dir / f"{stem}.p12"
        key = key or _new_key(key_type)
        subject = x509build.holder_name(organisation=organisation, full_name=full_name, post=post, holder=holder)
        cert = x509build.end_entity_certificate(subject, key.public_key(), issuing.certificate, issuing.key, now,
                                                not_after, crl_url=self._settings["crl_url"],
                                                ocsp_url=self._settings["ocsp_url"])
        chain = [issuing.certificate, self._credentials["root"].certificate]
        out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic.write_atomic(path, pkcs12.serialize_key_and_certificates(
            holder.encode(), key, cert, chain, serialization.BestAvailableEncryption(pin.encode())), _KEY_MODE)
        issued = IssuedCertificate.of(cert, holder=holder, kind=kind, path=path)
        with self._locked():
            rows = self._read_index()
            rows.append(issued)
            self._write_index(rows)
        return issued

    def revoke(self, serial: int, *, reason: str, now: datetime | None = None) -> IssuedCertificate:
        """Mark an issued certificate revoked and publish a new CRL.

        ``reason`` is an RFC 5280 name ("keyCompromise") or its snake_case spelling ("key_compromise").
        Raises ValidationError for any other reason, NotFoundError for a serial this CA did not issue and
        ConflictError if it is already revoked.
        """
        flag = next((f for f in REVOCATION_REASONS if reason in (f.value, f.name)), None)
        if flag is None:
            raise ValidationError(N_("%(reason)s is not a revocation reason; use one of %(reasons)s."), field="reason",
                                  reason=reason, reasons=", ".join(f.value for f in REVOCATION_REASONS))
        now = _second(now)
        with self._locked():
            rows = self._read_index()
            index = next((i for i, row in enumerate(rows) if row.serial == serial), None)
            if index is None:
                raise NotFoundError(N_("This CA has not issued a certificate with serial %(serial)s."),
                                    serial=format(serial, "X"))
            if rows[index].status is CertificateStatus.REVOKED:
                raise ConflictError(N_("The certificate with serial %(serial)s is already revoked."),
                                    serial=format(serial, "X"))
            rows[index] = replace(rows[index], status=CertificateStatus.REVOKED, revoked_at=now,
                                 reason=flag.value)
            self._write_index(rows)
            self._write_crl("issuing", now)
        return rows[index]

    def certificates(self) -> list[IssuedCertificate]:
        """Every certificate this CA has issued, oldest first, with its status."""
        return self._read_index()

    def revocation_checker(self) -> RevocationCheck:
        """A ``check_certificate`` revocation callable answering from the CA database as it is now."""
        issuer = self.chain()[0].subject
        revoked = {row.serial: row.revoked_at for row in self._read_index() if row.revoked_at is not None}

        def revoked_at(certificate: asn1_x509.Certificate) -> datetime | None:
            return revoked.get(certificate.serial_number) if certificate.issuer == issuer else None

        return revoked_at

    # --- publishing -------------------------------------------------------------------------------

    def root_pem(self) -> bytes:
        """The root certificate in PEM, for trust stores and the verify page."""
        return self._credentials["root"].certificate.public_bytes(serialization.Encoding.PEM)

    def chain(self) -> tuple[asn1_x509.Certificate, ...]:
        """The CA certificates above an end-entity certificate: issuing CA, then root."""
        return tuple(x509build.to_asn1(self._credentials[role].certificate) for role in ("issuing", "root"))

    def crl_der(self, issuer: CrlIssuer = "issuing", *, now: datetime | None = None) -> bytes:
        """The current CRL of the issuing CA (or the root), reissued first if it is close to expiring."""
        now = _second(now)
        path = self.directory / f"{issuer}.crl"
        crl = x509.load_der_x509_crl(path.read_bytes())
        next_update = crl.next_update_utc
        if next_update is None or now >= next_update - CRL_REFRESH_BEFORE:
            with self._locked():
                self._write_crl(issuer, now)
        return path.read_bytes()

    def ocsp_response(self, request_der: bytes, now: datetime | None = None) -> bytes:
        """Answer an RFC 6960 OCSP request for a certificate of the issuing CA, signed by the OCSP responder.

        Never raises: a request that cannot be parsed gets a malformedRequest response, one about another
        CA's certificates an unauthorized response.
        """
        try:
            request = ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            return x509build.unsuccessful_ocsp(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        issuing = self._credentials["issuing"].certificate
        algorithm = request.hash_algorithm
        name_hash, key_hash = x509build.issuer_hashes(issuing, algorithm.name)
        if (request.issuer_name_hash, request.issuer_key_hash) != (name_hash, key_hash):
            return x509build.unsuccessful_ocsp(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        now = _second(now)
        status, revoked_at, reason = ocsp.OCSPCertStatus.UNKNOWN, None, None
        row = next((r for r in self._read_index() if r.serial == request.serial_number), None)
        if row is not None and row.status is CertificateStatus.REVOKED:
            status, revoked_at = ocsp.OCSPCertStatus.REVOKED, row.revoked_at
            reason = x509.ReasonFlags(row.reason) if row.reason and row.reason != "unspecified" else None
        elif row is not None or format(request.serial_number, "X") in self._settings["service_serials"]:
            status = ocsp.OCSPCertStatus.GOOD
        responder = self._credentials["ocsp"]
        builder = (ocsp.OCSPResponseBuilder()
                   .add_response_by_hash(name_hash, key_hash, request.serial_number, algorithm, status,
                                         now, now + OCSP_VALIDITY, revoked_at, reason)
                   .responder_id(ocsp.OCSPResponderEncoding.HASH, responder.certificate)
                   .certificates([responder.certificate]))
        with contextlib.suppress(x509.ExtensionNotFound):
            nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value
            builder = builder.add_extension(nonce, critical=False)
        return builder.sign(responder.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def tsa_signer(self, *, fixed_time: datetime | None = None) -> LocalTimeStamper:
        """An in-process RFC 3161 timestamper signing with the development TSA's key."""
        tsa = self._credentials["tsa"]
        return LocalTimeStamper(x509build.to_asn1(tsa.certificate), tsa.key, self.chain(), fixed_time=fixed_time)

    # --- internals --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.directory / ".lock", os.O_WRONLY | os.O_CREAT, _KEY_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)   # closing the descriptor releases the lock

    def _read_index(self) -> list[IssuedCertificate]:
        data = json.loads((self.directory / "index.json").read_text(encoding="utf-8"))
        return [IssuedCertificate.from_json(row) for row in data["certificates"]]

    def _write_index(self, rows: list[IssuedCertificate]) -> None:
        atomic.write_json(self.directory / "index.json", {"certificates": [row.to_json() for row in rows]})

    def _write_crl(self, issuer: CrlIssuer, now: datetime) -> None:
        """Sign and store a new CRL; the caller holds the lock."""
        ca = self._credentials[issuer]
        numbers = self._settings["crl_numbers"]
        numbers[issuer] += 1
        builder = (x509.CertificateRevocationListBuilder()
                   .issuer_name(ca.certificate.subject).last_update(now).next_update(now + CRL_VALIDITY)
                   .add_extension(x509.CRLNumber(numbers[issuer]), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
                                  critical=False))
        if issuer == "issuing":
            for row in self._read_index():
                if row.status is CertificateStatus.REVOKED and row.revoked_at is not None:
                    builder = builder.add_revoked_certificate(
                        x509build.revoked_entry(row.serial, row.revoked_at, row.reason))
        crl = builder.sign(ca.key, hashes.SHA256())
        atomic.write_atomic(self.directory / f"{issuer}.crl", crl.public_bytes(serialization.Encoding.DER))
        if (self.directory / "ca.json").exists():
            atomic.write_json(self.directory / "ca.json", self._settings)


def _marker_files() -> list[str]:
    return ["ca.json", "index.json", *(f"{role}.key" for role in _ROLES), *(f"{role}.pem" for role in _ROLES)]


def _second(now: datetime | None) -> datetime:
    """``now`` (default: the current time) in UTC to the second, as X.509 stores it."""
    value = now if now is not None else datetime.now(timezone.utc)
    if value.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return value.astimezone(timezone.utc).replace(microsecond=0)


def _check_request(*, pin: str, names: tuple[str, ...], key_type: str, full_name: str, organisation: str) -> None:
    """Raise ValidationError for a short PIN, an unusable user name or file stem, an unknown key type, or
    a missing name or organisation."""
    if len(pin) < MIN_PIN_LENGTH:
        raise ValidationError(N_("The PIN must be at least %(minimum)s characters long."),
                              field="pin", minimum=MIN_PIN_LENGTH)
    for name in names:
        if not _HOLDER.fullmatch(name):
            raise ValidationError(N_("%(holder)s is not a valid user name for a certificate."),
                                  field="holder", holder=name)
    if key_type not in get_args(KeyType):
        raise ValidationError(N_("The key type must be rsa or ec, not %(key_type)s."),
                              field="key_type", key_type=key_type)
    if not full_name.strip() or not organisation.strip():
        raise ValidationError(N_("A certificate needs the holder's full name and organisation."))


def _new_key(key_type: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _ca_credentials(organisation: str, now: datetime, key_size: int, *, ocsp_url: str, crl_url: str,
                    root_crl_url: str | None) -> dict[str, _Credential]:
    """New keys and certificates of the root, the issuing CA, the TSA and the OCSP responder."""
    keys = {role: rsa.generate_private_key(public_exponent=65537, key_size=key_size) for role in _ROLES}
    root_name = x509build.ca_name(organisation, f"{organisation} Root CA")
    issuing_name = x509build.ca_name(organisation, f"{organisation} Issuing CA")
    root = x509build.ca_certificate(root_name, root_name, keys["root"].public_key(), keys["root"], now,
                                    now + ROOT_VALIDITY, path_length=1, crl_url=None)
    issuing = x509build.ca_certificate(issuing_name, root_name, keys["issuing"].public_key(), keys["root"], now,
                                       min(now + ISSUING_VALIDITY, root.not_valid_after_utc), path_length=0,
                                       crl_url=root_crl_url)
    tsa = x509build.service_certificate(
        x509build.ca_name(organisation, f"{organisation} TSA"), keys["tsa"].public_key(), keys["issuing"], issuing,
        now, ExtendedKeyUsageOID.TIME_STAMPING, ocsp_url=ocsp_url, crl_url=crl_url)
    responder = x509build.service_certificate(
        x509build.ca_name(organisation, f"{organisation} OCSP Responder"), keys["ocsp"].public_key(),
        keys["issuing"], issuing, now, ExtendedKeyUsageOID.OCSP_SIGNING, ocsp_url=None, crl_url=None)
    certs = {"root": root, "issuing": issuing, "tsa": tsa, "ocsp": responder}
    return {role: _Credential(certs[role], keys[role]) for role in _ROLES}


def _write_credentials(directory: Path, credentials: dict[str, _Credential], passphrase: bytes) -> None:
    """Each role's key (encrypted under ``passphrase``, mode 0600) and certificate."""
    encryption = serialization.BestAvailableEncryption(passphrase)
    for role, credential in credentials.items():
        atomic.write_atomic(directory / f"{role}.key", credential.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption), _KEY_MODE)
        atomic.write_atomic(directory / f"{role}.pem",
                            credential.certificate.public_bytes(serialization.Encoding.PEM))


__all__ = [
    "CRL_REFRESH_BEFORE", "CRL_VALIDITY", "ISSUING_VALIDITY", "MIN_PIN_LENGTH", "OCSP_VALIDITY", "REVOCATION_REASONS",
    "ROOT_VALIDITY", "CertificateStatus", "CrlIssuer", "DevelopmentCA", "IssuedCertificate", "KeyType",
]
