"""The password a holder's PKCS#12 file is encrypted under: argon2id over the PIN keyed with a server secret.

A copied ``keys/`` folder alone yields nothing: the file's password is derived from the PIN *and* a secret
kept outside ``keys/`` (``signing.key_secret_file``), so guessing needs both. With both, each guess still
costs the memory-hard KDF (64 MiB and about a quarter of a second by default; bench/KDF.md).

The PKCS#12 container is kept (any PKCS#12 tool, pyHanko's loader included, opens the file given the derived
password); only its password changes. Pure functions: no database, no Flask.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from argon2.low_level import Type, hash_secret_raw

SALT_BYTES = 16
FORMAT = "argon2id-hmac-v1"


@dataclass(frozen=True)
class KdfParams:
    """argon2id cost: memory in KiB, passes, lanes. The defaults are the production floor."""
    memory_kib: int = 65536
    time_cost: int = 6
    parallelism: int = 1


@dataclass(frozen=True)
class KeyWrap:
    """How one key file's password is derived: the format, its salt and the KDF cost it was made with."""
    salt: bytes
    params: KdfParams

    @classmethod
    def new(cls, params: KdfParams) -> KeyWrap:
        return cls(salt=secrets.token_bytes(SALT_BYTES), params=params)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "salt": base64.b64encode(self.salt).decode("ascii"),
                "memory_kib": self.params.memory_kib, "time_cost": self.params.time_cost,
                "parallelism": self.params.parallelism}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> KeyWrap:
        """Raises ValueError for an unknown format or missing fields."""
        if value.get("format") != FORMAT:
            raise ValueError(f"unknown key wrap format {value.get('format')!r}")
        return cls(salt=base64.b64decode(value["salt"]),
                   params=KdfParams(memory_kib=int(value["memory_kib"]), time_cost=int(value["time_cost"]),
                                    parallelism=int(value["parallelism"])))

    def password(self, pin: str, *, server_secret: bytes) -> str:
        """The PKCS#12 password for ``pin``."""
        return derive_password(pin, server_secret=server_secret, salt=self.salt, params=self.params)


def derive_password(pin: str, *, server_secret: bytes, salt: bytes, params: KdfParams) -> str:
    """argon2id(HMAC-SHA256(server_secret, pin), salt) as text. The HMAC makes the secret a second factor:
    without it no PIN can be tested offline at any cost."""
    keyed = hmac.new(server_secret, pin.encode("utf-8"), hashlib.sha256).digest()
    raw = hash_secret_raw(keyed, salt, time_cost=params.time_cost, memory_cost=params.memory_kib,
                          parallelism=params.parallelism, hash_len=32, type=Type.ID)
    return base64.b64encode(raw).decode("ascii")
