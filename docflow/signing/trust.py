"""The trust roots and options a verification runs with, loaded from PEM or DER."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

from docflow.errors import ConfigurationError


@dataclass(frozen=True)
class TrustSettings:
    roots: tuple[asn1_x509.Certificate, ...]
    allow_fetching: bool = False
    time_limit_seconds: float = 30.0

    @classmethod
    def from_pem_files(cls, paths: Iterable[Path], *, allow_fetching: bool = False,
                       time_limit_seconds: float = 30.0) -> TrustSettings:
        """Load trust roots from PEM (one or more certificates each) or DER files.

        Raises ConfigurationError naming a file that cannot be read or holds no certificate.
        """
        roots: list[asn1_x509.Certificate] = []
        for path in paths:
            try:
                raw = Path(path).read_bytes()
            except OSError as exc:
                raise ConfigurationError(f"trust root {path} cannot be read: {exc.strerror}") from exc
            roots.extend(load_certificates(raw, str(path)))
        return cls(roots=tuple(roots), allow_fetching=allow_fetching,
                   time_limit_seconds=time_limit_seconds)

    @classmethod
    def from_pem_bytes(cls, blobs: Iterable[bytes], *, allow_fetching: bool = False,
                       time_limit_seconds: float = 30.0) -> TrustSettings:
        """Like from_pem_files, from the files' contents. Raises ConfigurationError."""
        roots = [cert for i, raw in enumerate(blobs) for cert in load_certificates(raw, f"#{i + 1}")]
        return cls(roots=tuple(roots), allow_fetching=allow_fetching,
                   time_limit_seconds=time_limit_seconds)


def load_certificates(raw: bytes, label: str) -> list[asn1_x509.Certificate]:
    """Parse one PEM (possibly several certificates) or DER blob. Raises ConfigurationError."""
    try:
        ders = [der for _, _, der in pem.unarmor(raw, multiple=True)] if pem.detect(raw) else [raw]
        certs = [asn1_x509.Certificate.load(der) for der in ders]
        for cert in certs:
            cert.native  # noqa: B018 - parse now, so a broken file fails here and not mid-check
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"trust root {label} is not a readable certificate") from exc
    if not certs:
        raise ConfigurationError(f"trust root {label} holds no certificate")
    return certs
