"""The ward's development CA (``signing.ca = "development"``): made, opened once per process, its roots.

Each ward has its own (issue 16): the deployment's first ward keeps it under ``keys_dir/ca`` (as before wards),
a ward `provision_ward` made later under ``keys_dir/wards/<ward id>/ca`` (``ward_keys_dir``); the bound ward
(``docflow.wards``) says which. Its private keys are encrypted under a passphrase from the environment (or,
in development, a random file under data_dir). In production docflow holds no CA key: certificates come
from the ward's CA and only its chain (``signing.ca_chain``) is configured.
"""

from __future__ import annotations

import functools
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docflow import wards
from docflow.config import Settings
from docflow.errors import ConfigurationError
from docflow.models import Certificate, KeyStorage
from docflow.private_files import private_dir
from docflow.signing.keywrap import KdfParams

if TYPE_CHECKING:
    from datetime import datetime

    from docflow.signing.pki import DevelopmentCA


def ward_keys_dir(settings: Settings, ward_id: int | None = None) -> Path:
    """The folder of a ward's CA and key files: ``keys_dir/wards/<id>`` for a ward `provision_ward` made after
    the first (it creates that folder), else ``keys_dir`` itself (the first ward, and a deployment of one).
    ``ward_id`` None: the bound ward."""
    ward_id = wards.current_ward_id() if ward_id is None else ward_id
    if ward_id is not None:
        folder = settings.app.keys_dir / WARDS_FOLDER / str(ward_id)
        if folder.is_dir():
            return folder
    return settings.app.keys_dir


WARDS_FOLDER = "wards"


def make_ward_keys_dir(settings: Settings, ward_id: int) -> Path:
    """Give a new ward (not the first) its own key folder, so its CA and keys never mix with another's."""
    private_dir(settings.app.keys_dir)
    private_dir(settings.app.keys_dir / WARDS_FOLDER)
    folder = settings.app.keys_dir / WARDS_FOLDER / str(ward_id)
    private_dir(folder)
    return folder


def ca_directory(settings: Settings) -> Path:
    """The bound ward's development CA folder."""
    return ward_keys_dir(settings) / "ca"


def every_ca_directory(settings: Settings) -> list[Path]:
    """Every ward's development CA folder that exists, the first ward's first."""
    found = [settings.app.keys_dir / "ca"]
    wards_dir = settings.app.keys_dir / WARDS_FOLDER
    if wards_dir.is_dir():
        found += sorted((p / "ca" for p in wards_dir.iterdir() if p.name.isdigit()), key=lambda p: int(p.parent.name))
    return [p for p in found if (p / "root.pem").exists()]


def kdf_params(settings: Settings) -> KdfParams:
    return KdfParams(memory_kib=settings.signing.pin_kdf_memory_kib, time_cost=settings.signing.pin_kdf_time_cost,
                     parallelism=settings.signing.pin_kdf_parallelism)


def ca_passphrase(settings: Settings) -> bytes:
    """The development CA's key passphrase: the environment, else (development only) a random file."""
    value = os.environ.get(settings.signing.ca_passphrase_env, "")
    if value:
        return value.encode("utf-8")
    if settings.app.mode == "production":
        raise ConfigurationError(f"set {settings.signing.ca_passphrase_env} to open the development CA")
    path = settings.app.data_dir / "ca_passphrase"
    if not path.exists():
        private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def _require_development(settings: Settings) -> None:
    if settings.signing.ca != "development":
        raise ConfigurationError("signing.ca is \"production\": certificates come from the ward's CA, "
                                 "docflow holds no CA key")


def init_ca(settings: Settings, *, organisation: str, base_url: str = "http://127.0.0.1:5000") -> DevelopmentCA:
    """Create the ward's development CA, or open it when it exists. Raises ConfigurationError."""
    from docflow.signing.pki import DevelopmentCA  # pyHanko loads when a key is used, not at start-up
    _require_development(settings)
    directory = ca_directory(settings)
    private_dir(settings.app.keys_dir)
    private_dir(directory.parent)
    private_dir(directory)
    if (directory / "root.pem").exists():
        return DevelopmentCA.open(directory, ca_passphrase(settings))
    return DevelopmentCA.create(directory, organisation=organisation, passphrase=ca_passphrase(settings),
                                ocsp_url=f"{base_url}/pki/ocsp", crl_url=f"{base_url}/pki/crl")


def open_ca(settings: Settings) -> DevelopmentCA:
    """The existing development CA. Raises ConfigurationError when `docflow keys init` has not run.

    Opened once per process: decrypting its four keys costs about 0.35 s, and every signature needs the
    CA (timestamps, revocation data). Its index of issued and revoked certificates is read from disk on
    each use, so revocations by another process are seen at once.
    """
    _require_development(settings)
    directory = ca_directory(settings)
    if not (directory / "root.pem").exists():
        raise ConfigurationError("the ward's CA does not exist yet: run `docflow keys init`")
    # The root's mtime is part of the key: a CA made again in the same place is a different CA.
    return _open_ca(str(directory.resolve()), (directory / "root.pem").stat().st_mtime_ns,
                    ca_passphrase(settings))


@functools.lru_cache(maxsize=4)
def _open_ca(directory: str, root_mtime: int, passphrase: bytes) -> DevelopmentCA:
    from docflow.signing.pki import DevelopmentCA  # pyHanko loads when a key is used, not at start-up
    return DevelopmentCA.open(Path(directory), passphrase)


def root_certificates_pem(settings: Settings) -> list[bytes]:
    """PEM roots docflow trusts: configured roots, plus the development roots that exist. Every ward's root
    of this deployment is trusted, the bound ward's last (`docflow keys root` writes the last): a document
    one ward issues to another of the same deployment verifies as trusted at the other."""
    roots = [path.read_bytes() for path in settings.signing.trust_roots]
    if settings.signing.ca == "development":
        own = ca_directory(settings)
        others = [d for d in every_ca_directory(settings) if d.resolve() != own.resolve()]
        for directory in [*others, own]:
            if (directory / "root.pem").exists():
                roots.append((directory / "root.pem").read_bytes())
    else:
        roots.append(settings.signing.ca_chain[-1].read_bytes())
    return roots


def revocation_checker(settings: Settings) -> Any:
    """The development CA's own revocation check, or None (a real CA is asked online instead)."""
    if settings.signing.ca == "development" and (ca_directory(settings) / "root.pem").exists():
        return open_ca(settings).revocation_checker()
    return None


def revoke_at_ca(ca: DevelopmentCA, row: Certificate, reason: str, now: datetime) -> None:
    """Put a certificate whose key docflow keeps in a file on the CA's CRL and OCSP (a token's is not there)."""
    if row.storage is KeyStorage.PKCS12:
        ca.revoke(int(row.serial, 16), reason=reason, now=now)
