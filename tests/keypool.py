"""Signing keys made once per session for the certificates tests issue (a pytest plugin).

Loaded from ``tests/conftest.py`` with ``pytest_plugins``. Issuing a certificate from the development CA
generates its key, and an RSA-2048 key costs more than everything else an issue does; the suite issues
hundreds of certificates (``issue_cert``, the admin pages, the demo's keys). No test needs a key that no one
has held before, but some need the keys of one test to differ (two holders, a renewal, a signer and an
impostor). So during each test :meth:`DevelopmentCA.issue` certifies the pool's keys in turn, a different
one for each certificate, and the next test starts again from the first: the pool is as large as the
greediest test and generated once.

Keys issued outside a test (session and module fixtures) and in tests marked ``fresh_keys`` (those about
issuing itself) are generated as before, so no test shares a key with a fixture that outlives it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from docflow.signing.pki import DevelopmentCA

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _generate(key_type: str) -> PrivateKey:
    """A key as DevelopmentCA.issue makes one for ``key_type``."""
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class KeyPool:
    """Pre-made keys by key type, handed out in order and taken back at the end of each test."""

    def __init__(self) -> None:
        self._keys: dict[str, list[PrivateKey]] = {"rsa": [], "ec": []}
        self._handed: dict[str, int] = {}
        self._lock = threading.Lock()   # tests that race threads issue from several at once

    def restart(self) -> None:
        """Start a test: its first key of each type is the pool's first."""
        with self._lock:
            self._handed.clear()

    def take(self, key_type: str) -> PrivateKey | None:
        """The next key of ``key_type`` not yet handed out in this test (made if the pool is short), or
        None for a type the CA does not know, so that the CA refuses it as before."""
        if key_type not in self._keys:
            return None
        with self._lock:
            keys, index = self._keys[key_type], self._handed.get(key_type, 0)
            if index == len(keys):
                keys.append(_generate(key_type))
            self._handed[key_type] = index + 1
            return keys[index]

    def size(self) -> dict[str, int]:
        """How many keys of each type the pool holds."""
        return {key_type: len(keys) for key_type, keys in self._keys.items()}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fresh_keys: certificates issued in this test get newly generated keys")


@pytest.fixture(scope="session")
def key_pool() -> KeyPool:
    return KeyPool()


@pytest.fixture(autouse=True)
def pooled_keys(request: pytest.FixtureRequest, key_pool: KeyPool, monkeypatch: pytest.MonkeyPatch
                ) -> Iterator[None]:
    """Every certificate the development CA issues during the test certifies a key from the pool."""
    if request.node.get_closest_marker("fresh_keys"):
        yield
        return
    issue = DevelopmentCA.issue

    def issue_pooled(ca: DevelopmentCA, **kwargs: Any) -> Any:
        if kwargs.get("key") is None:
            kwargs["key"] = key_pool.take(str(kwargs.get("key_type", "rsa")))
        return issue(ca, **kwargs)

    key_pool.restart()
    monkeypatch.setattr(DevelopmentCA, "issue", issue_pooled)
    yield
