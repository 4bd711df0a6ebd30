"""Codes a citizen reads, types or scans: 16 characters of Crockford's base32 (80 bits from the operating
system's CSPRNG, so they cannot be guessed), read back the way Crockford's decoding allows (any case, spaces
and dashes, O for 0, I or L for 1). The public verification code and the petition receipt code are both these."""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"   # Crockford's base32: no I, L, O, U
LENGTH = 16                                      # 16 x 5 bits = 80 bits
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh random code, ungrouped."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str | None:
    """A code as typed or scanned, ungrouped; None when it cannot be a code at all."""
    code = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    if len(code) != LENGTH or not set(code) <= set(ALPHABET):
        return None
    return code


def grouped(code: str) -> str:
    """``7K2M9QXD4HWTB8RN`` as ``7K2M-9QXD-4HWT-B8RN``."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))
