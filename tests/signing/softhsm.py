"""A SoftHSM2 token in a temporary directory, standing in for an official's USB token.

SoftHSM2 reads ``SOFTHSM2_CONF`` once, when python-pkcs11 first initialises the module, and keeps it for the
life of the process; so ``softhsm_token`` points the variable at a private config before anything loads the
module and unloads the module again at teardown, leaving no state behind for other tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pkcs11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pkcs11.util.ec import decode_ec_private_key
from pkcs11.util.rsa import decode_rsa_private_key
from pkcs11.util.x509 import decode_x509_certificate

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
SO_PIN = "12345678"


@dataclass(frozen=True)
class SoftHsmToken:
    module: Path
    token_label: str
    user_pin: str


def softhsm_available() -> bool:
    return MODULE.exists() and shutil.which("softhsm2-util") is not None


def write_config(directory: Path) -> Path:
    """A softhsm2.conf keeping tokens under ``directory/tokens``."""
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    config = directory / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
                      "slots.removable = false\n", encoding="utf-8")
    return config


def init_token(config: Path, label: str, user_pin: str) -> None:
    """Initialise a token in the first free slot with ``softhsm2-util --init-token --free``."""
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", SO_PIN,
                    "--pin", user_pin], env={**os.environ, "SOFTHSM2_CONF": str(config)}, check=True,
                   capture_output=True)


def import_credentials(token: SoftHsmToken, *, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
                       certificate: x509.Certificate, chain: Sequence[x509.Certificate], key_label: str,
                       cert_label: str) -> None:
    """Store a private key, its certificate and the CA certificates on the token (SOFTHSM2_CONF must be set)."""
    lib = pkcs11.lib(str(token.module))
    object_id = certificate.serial_number.to_bytes(20, "big")[-8:]
    if isinstance(key, rsa.RSAPrivateKey):
        key_attributes = decode_rsa_private_key(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption()))
    else:
        key_attributes = decode_ec_private_key(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption()))
        key_attributes[pkcs11.Attribute.SIGN] = True
    with lib.get_token(token_label=token.token_label).open(rw=True, user_pin=token.user_pin) as session:
        session.create_object({**key_attributes, pkcs11.Attribute.TOKEN: True, pkcs11.Attribute.PRIVATE: True,
                               pkcs11.Attribute.SENSITIVE: True, pkcs11.Attribute.LABEL: key_label,
                               pkcs11.Attribute.ID: object_id})
        for label, cert, cert_id in [(cert_label, certificate, object_id),
                                     *((f"ca-{i}", c, bytes([i])) for i, c in enumerate(chain))]:
            session.create_object({**decode_x509_certificate(cert.public_bytes(serialization.Encoding.DER)),
                                   pkcs11.Attribute.TOKEN: True, pkcs11.Attribute.LABEL: label,
                                   pkcs11.Attribute.ID: cert_id})


@pytest.fixture(scope="module")
def softhsm_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point SOFTHSM2_CONF at a fresh config for this module; unload the module afterwards."""
    if not softhsm_available():
        pytest.skip("SoftHSM2 is not installed (apt-get install softhsm2)")
    config = write_config(tmp_path_factory.mktemp("softhsm"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(config))
        yield config
        pkcs11.unload(str(MODULE))
