"""TLS certificates for the exchange endpoint from the ward's development CA (issue 15 §1): a server
certificate for the listening host names/addresses and a client certificate for delivering to partners, both
issued by the CA's issuing certificate, so that a partner who registered the ward's root (the same root its
edXML messages are verified under) also accepts its TLS connections. Written as PEM: the certificate with the
issuing certificate after it (the chain a peer needs), the key unencrypted and owner-only (0600)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from docflow.errors import N_, ValidationError
from docflow.signing import atomic, x509build
from docflow.signing.pki import DevelopmentCA


@dataclass(frozen=True)
class TlsPair:
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _alt_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _issue(ca: DevelopmentCA, *, common_name: str, organisation: str, hosts: tuple[str, ...],
           usage: x509.ObjectIdentifier, out: Path, stem: str, now: datetime, days: int) -> tuple[Path, Path]:
    # The CA's issuing credential is read here, inside the signing package (pki.py keeps it private).
    issuing = ca._credentials["issuing"]
    key = ec.generate_private_key(ec.SECP256R1())
    not_after = min(now + timedelta(days=days), issuing.certificate.not_valid_after_utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                         x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (x509build.certificate_builder(subject, issuing.certificate.subject, key.public_key(), now, not_after)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuing.key.public_key()),
                              critical=False))
    if hosts:
        builder = builder.add_extension(x509.SubjectAlternativeName([_alt_name(h) for h in hosts]), critical=False)
    certificate = builder.sign(issuing.key, hashes.SHA256())
    pem = serialization.Encoding.PEM
    cert_path, key_path = out / f"{stem}.pem", out / f"{stem}.key"
    atomic.write_atomic(cert_path, certificate.public_bytes(pem) + issuing.certificate.public_bytes(pem), 0o644)
    atomic.write_atomic(key_path, key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()), 0o600)
    return cert_path, key_path


def issue_tls_pair(ca: DevelopmentCA, *, organisation: str, organ_id: str, hosts: tuple[str, ...], out: Path,
                   days: int = 365, now: datetime | None = None) -> TlsPair:
    """Issue the exchange endpoint's server certificate (for ``hosts``) and the ward's client certificate
    into ``out`` (server.pem/.key, client.pem/.key). Raises ValidationError without a host name."""
    if not hosts or not all(h.strip() for h in hosts):
        raise ValidationError(N_("The server certificate needs the host names or addresses it answers on."))
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    server = _issue(ca, common_name=f"{organ_id or organisation} exchange server", organisation=organisation,
                    hosts=hosts, usage=ExtendedKeyUsageOID.SERVER_AUTH, out=out, stem="server", now=now, days=days)
    client = _issue(ca, common_name=f"{organ_id or organisation} exchange client", organisation=organisation,
                    hosts=(), usage=ExtendedKeyUsageOID.CLIENT_AUTH, out=out, stem="client", now=now, days=days)
    return TlsPair(server[0], server[1], client[0], client[1])
