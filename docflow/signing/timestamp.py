"""RFC 3161 timestamps: the development TSA in-process, or a real TSA over HTTP.

PAdES B-T and above need a trusted timestamp on every signature. In development docflow is its own TSA
(``DevelopmentCA.tsa_signer()``), so the demo signs B-T without a network service; production names a TSA
URL in ``signing.tsa_url``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Protocol

from asn1crypto import cms, core, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign import general
from pyhanko.sign.general import get_pyca_cryptography_hash, simple_cms_attribute
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import get_nonce
from pyhanko_certvalidator.registry import SimpleCertificateStore

from docflow.errors import N_, ConfigurationError
from docflow.signing._pyhanko_compat import TimeStamperHooks

# A policy OID under the UUID arc (ITU-T X.667), so docflow's development TSA never claims somebody else's
# policy (pyHanko's DummyTimeStamper uses GlobalSign's).
DEVELOPMENT_TSA_POLICY = "2.25." + str(uuid.UUID("6f1d3c52-8f55-4d1e-9a51-3a2e1c7b9d40").int)

HTTP_TIMEOUT_SECONDS = 10


class LocalTimeStamper(TimeStamperHooks):
    """Issues RFC 3161 tokens in-process, signed by the development TSA's key and certificate.

    pyHanko's DummyTimeStamper already builds a complete token (TSTInfo with the request's imprint and nonce,
    ESS signing-certificate attribute, the TSA certificate embedded); this subclass only sets docflow's own
    policy, states the accuracy and stamps in UTC. Its repr never shows the key.
    """

    def __init__(
        self,
        tsa_cert: asn1_x509.Certificate,
        tsa_key: RSAPrivateKey,
        chain: tuple[asn1_x509.Certificate, ...] = (),
        *,
        fixed_time: datetime | None = None,
    ) -> None:
        """Keep the TSA credentials; ``chain`` (issuing CA, root) is embedded in every token.

        Raises ConfigurationError if the key is not RSA (pyHanko's token signer supports RSA only).
        """
        if not isinstance(tsa_key, RSAPrivateKey):
            raise ConfigurationError(N_("The timestamp authority key must be an RSA key."))
        key_info = asn1_keys.PrivateKeyInfo.load(tsa_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        super().__init__(tsa_cert=tsa_cert, tsa_key=key_info,
                         certs_to_embed=SimpleCertificateStore.from_certs(chain), fixed_dt=fixed_time)
        self._rsa_key = tsa_key

    def __repr__(self) -> str:
        return f"<LocalTimeStamper {self.tsa_cert.subject.human_friendly!r}>"

    def sign_tst_info(self, tst_info_data: bytes, md_algorithm: str,
                      dt: datetime) -> tuple[bytes, cms.CMSAttributes]:
        # pyHanko's version re-parses and re-validates the RSA key for every token (about 30 ms, the bulk
        # of a B-T signature's cost); the parsed key is kept instead. Same attributes as pyHanko 0.38.
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes([
            simple_cms_attribute("content_type", "tst_info"),
            simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
            simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert)),
            simple_cms_attribute("message_digest", digest.finalize()),
        ])
        signature = self._rsa_key.sign(signed_attrs.dump(), PKCS1v15(),
                                       get_pyca_cryptography_hash(md_algorithm.upper()))
        return signature, signed_attrs

    def build_tst_info(self, message_imprint: tsp.MessageImprint, dt: datetime,
                       req: tsp.TimeStampReq) -> tsp.TSTInfo:
        tst_info: dict[str, object] = {
            "version": "v1",
            "policy": tsp.ObjectIdentifier(DEVELOPMENT_TSA_POLICY),
            "message_imprint": message_imprint,
            "serial_number": get_nonce(),
            "gen_time": dt.astimezone(timezone.utc),
            "accuracy": {"seconds": 1},
            "ordering": False,
            "tsa": asn1_x509.GeneralName(name="directory_name", value=self.tsa_cert.subject),
        }
        if req["nonce"].native is not None:
            tst_info["nonce"] = req["nonce"]
        return tsp.TSTInfo(tst_info)


class LocalTsa(Protocol):
    """Anything that can make an in-process timestamper, such as ``DevelopmentCA``."""

    def tsa_signer(self) -> TimeStamper: ...


def timestamper_for(tsa_url: str | None, local: TimeStamper | LocalTsa | None) -> TimeStamper:
    """The timestamper to use: the configured TSA URL if there is one, otherwise the local one.

    ``local`` is a timestamper or something with ``tsa_signer()`` (the development CA), asked only when
    there is no URL. Raises ConfigurationError when neither is available or the URL is not http(s).
    """
    if tsa_url:
        if not tsa_url.startswith(("http://", "https://")):
            raise ConfigurationError(N_("The timestamp authority URL must start with http:// or https://."))
        return HTTPTimeStamper(tsa_url, timeout=HTTP_TIMEOUT_SECONDS)
    if local is None:
        raise ConfigurationError(
            N_("Signing at level %(level)s needs a timestamp authority: set signing.tsa_url."), level="B-T")
    return local if isinstance(local, TimeStamper) else local.tsa_signer()
