"""The signer a signing session signs with: a software key is parsed once for the whole session."""

from __future__ import annotations

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.signers import Signer, SimpleSigner


class LoadedKeySigner(SimpleSigner):
    """A SimpleSigner that parses its private key once.

    pyHanko's ``SimpleSigner.sign_raw`` runs ``load_der_private_key`` on every signature; for RSA that
    includes cryptography's key consistency check, about 40 ms, more than everything else in signing a
    small PDF. A batch signs with the same key, so the parsed key is kept for the session.
    """

    def __init__(self, signer: SimpleSigner, signing_cert: asn1_x509.Certificate) -> None:
        """The same signer as ``signer`` (``signing_cert``: its certificate), built through pyHanko's
        public constructor and attributes."""
        super().__init__(
            signing_cert=signing_cert, signing_key=signer.signing_key, cert_registry=signer.cert_registry,
            signature_mechanism=signer.signature_mechanism, prefer_pss=signer.prefer_pss,
            embed_roots=signer.embed_roots, attribute_certs=list(signer.attribute_certs) or None)
        self.signed_attr_prov_spec = signer.signed_attr_prov_spec
        self.unsigned_attr_prov_spec = signer.unsigned_attr_prov_spec
        self.loaded_key = serialization.load_der_private_key(signer.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algo = mechanism.signature_algo
        except ValueError:
            algo = mechanism["algorithm"].native
        key = self.loaded_key
        # the same choices as pyHanko's SimpleSigner.sign_raw for the two mechanisms docflow issues
        if algo == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
            return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algo == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
            return key.sign(data, ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        # PSS, EdDSA and the rest: pyHanko's own path
        return super().sign_raw(data, digest_algorithm)


def keep_key_loaded(signer: Signer) -> Signer:
    """``signer``, or for a plain SimpleSigner the same signer with its key parsed once."""
    if type(signer) is not SimpleSigner or signer.signing_cert is None:
        return signer
    return LoadedKeySigner(signer, signer.signing_cert)
