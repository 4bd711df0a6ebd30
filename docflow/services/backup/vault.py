"""The instance's secrets in a backup: gathered from the settings, sealed under the backup passphrase.

A backup is copied to other machines and disks, so the secrets that open everything else (the server secret
that, with each PIN, unwraps the signing keys; the development CA's passphrase, which also opens the system
key; the Flask secret key) go in only as ``secrets.enc``: scrypt over the passphrase, then AES-256-GCM. The
GCM tag makes a wrong passphrase a clear refusal, never a garbled key written to disk.
"""

from __future__ import annotations

import base64
import json
import os
import secrets as random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from docflow.config import Settings
from docflow.errors import N_, ValidationError

FORMAT = "docflow-backup-secrets-1"
# scrypt at 64 MiB: one guess of the passphrase costs what a PIN guess costs (bench/KDF.md).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**16, 8, 1
SALT_BYTES, NONCE_BYTES = 16, 12


@dataclass(frozen=True)
class Secret:
    """One secret of the instance: its name in the backup, its value, and where it came from."""
    name: str          # "key_secret", "secret_key", "ca_passphrase"
    value: str
    source: str        # "file" (a file the configuration names or data_dir holds) or "env:NAME"


def gather_secrets(settings: Settings) -> list[Secret]:
    """The secrets this instance has now (none is made by asking): each from its environment variable or
    its file. A secret the instance does not have yet is simply absent."""
    app, signing = settings.app, settings.signing
    found = [
        _read("secret_key", app.secret_key_env, [app.secret_key_file, app.data_dir / "secret_key"]),
        _read("key_secret", None, [signing.key_secret_file or app.data_dir / "key_secret"]),
        _read("ca_passphrase", signing.ca_passphrase_env, [app.data_dir / "ca_passphrase"]),
    ]
    return [s for s in found if s is not None]


def _read(name: str, env: str | None, files: list[Path | None]) -> Secret | None:
    if env and os.environ.get(env, "").strip():
        return Secret(name, os.environ[env].strip(), f"env:{env}")
    for path in files:
        if path is not None and path.is_file():
            return Secret(name, path.read_text(encoding="utf-8").strip(), "file")
    return None


def _key(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(passphrase.encode("utf-8"))


def seal(found: list[Secret], passphrase: str) -> bytes:
    """``found`` encrypted under ``passphrase``, as the JSON bytes of ``secrets.enc``. Raises
    ValidationError for an empty passphrase."""
    if len(passphrase) < 8:
        raise ValidationError(N_("The backup passphrase must have at least 8 characters."))
    salt, nonce = random.token_bytes(SALT_BYTES), random.token_bytes(NONCE_BYTES)
    plain = json.dumps([s.__dict__ for s in found], ensure_ascii=False).encode("utf-8")
    sealed = AESGCM(_key(passphrase, salt)).encrypt(nonce, plain, FORMAT.encode("ascii"))
    b64 = base64.b64encode
    return json.dumps({"format": FORMAT, "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
                                                 "salt": b64(salt).decode()},
                       "cipher": "AES-256-GCM", "nonce": b64(nonce).decode(),
                       "ciphertext": b64(sealed).decode()}, indent=1).encode("utf-8")


def unseal(data: bytes, passphrase: str) -> list[Secret]:
    """The secrets in ``secrets.enc``. Raises ValidationError for a wrong passphrase or an unreadable file."""
    try:
        sealed: dict[str, Any] = json.loads(data)
        kdf = sealed["kdf"]
        if sealed["format"] != FORMAT or kdf["name"] != "scrypt":
            raise ValueError(sealed["format"])
        # The cost is this format's, never the file's: a forged n=2**30 would take gigabytes to derive.
        if (int(kdf["n"]), int(kdf["r"]), int(kdf["p"])) != (SCRYPT_N, SCRYPT_R, SCRYPT_P):
            raise ValueError(f"scrypt n={kdf['n']} r={kdf['r']} p={kdf['p']} is not this format's")
        key = _key(passphrase, base64.b64decode(kdf["salt"]))
        ciphertext, nonce = base64.b64decode(sealed["ciphertext"]), base64.b64decode(sealed["nonce"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationError(N_("The backup's secrets file cannot be read (%(reason)s)."), reason=str(exc)) from exc
    try:
        plain = AESGCM(key).decrypt(nonce, ciphertext, FORMAT.encode("ascii"))
    except InvalidTag:
        raise ValidationError(N_("Wrong backup passphrase: the secrets cannot be decrypted.")) from None
    return [Secret(**item) for item in json.loads(plain)]
