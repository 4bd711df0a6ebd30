"""The certificates and revocation data a document carries (its DSS), and what they say about a signer.

The embedded data is read here without being verified: it can make a verdict stricter (a certificate the
data lists as revoked) and say where revocation data came from, never accept a signature.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError


@dataclass
class EmbeddedData:
    """Certificates and revocation data the document carries in its DSS."""
    certs: list[asn1_x509.Certificate]
    crls: list[asn1_crl.CertificateList]
    ocsps: list[asn1_ocsp.OCSPResponse]

    @classmethod
    def read(cls, reader: PdfFileReader) -> EmbeddedData:
        """The DSS's contents, each stream read once (pyHanko's read_dss keeps references only)."""
        if "/DSS" not in reader.root:  # read_dss's own miss costs more than this whole check
            return cls([], [], [])
        try:
            dss = DocumentSecurityStore.read_dss(reader)
        except NoDSSFoundError:
            return cls([], [], [])
        return cls(certs=[asn1_x509.Certificate.load(der) for der in
                          _streams(dss.certs.values(), DecodePurpose.CERTIFICATE)],
                   crls=[asn1_crl.CertificateList.load(der) for der in _streams(dss.crls, DecodePurpose.CRL)],
                   ocsps=[asn1_ocsp.OCSPResponse.load(der)
                          for der in _streams(dss.ocsps, DecodePurpose.OCSP_RESPONSE)])

    def covers(self, cert: asn1_x509.Certificate) -> bool:
        """Whether any embedded CRL or OCSP response speaks about ``cert``."""
        return covers(cert, self.crls, self.ocsps)

    def listed_as_revoked(self, cert: asn1_x509.Certificate) -> tuple[datetime, str] | None:
        """(date, reason) when the embedded data lists ``cert`` as revoked."""
        return listed_as_revoked(cert, self.crls, self.ocsps)


def _streams(refs: Iterable[Any], purpose: DecodePurpose) -> list[bytes]:
    return [ref.get_object().read_data(purpose) for ref in refs]


def ocsp_about(response: asn1_ocsp.OCSPResponse, cert: Any) -> bool:
    """Whether an OCSP response speaks about ``cert`` (issuer name hash and serial number)."""
    try:
        data = response["response_bytes"]["response"].parsed["tbs_response_data"]
        for single in data["responses"]:
            cert_id = single["cert_id"]
            algorithm = cert_id["hash_algorithm"]["algorithm"].native
            if (cert_id["serial_number"].native == cert.serial_number
                    and cert_id["issuer_name_hash"].native == getattr(cert.issuer, algorithm)):
                return True
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    return False


def listed_as_revoked(cert: asn1_x509.Certificate, crls: Iterable[asn1_crl.CertificateList],
                      ocsps: Iterable[asn1_ocsp.OCSPResponse]) -> tuple[datetime, str] | None:
    """(date, reason) when the CRLs or OCSP responses list ``cert`` as revoked (not verified here)."""
    for crl in crls:
        tbs = crl["tbs_cert_list"]
        if tbs["issuer"] != cert.issuer:
            continue
        for entry in tbs["revoked_certificates"]:
            if entry["user_certificate"].native == cert.serial_number:
                reason = entry.crl_reason_value
                return entry["revocation_date"].native, str(reason.native) if reason is not None else "-"
    for response in ocsps:
        if ocsp_about(response, cert):
            found = _revoked_in_ocsp(response, cert)
            if found is not None:
                return found
    return None


def _revoked_in_ocsp(response: asn1_ocsp.OCSPResponse, cert: asn1_x509.Certificate) -> tuple[datetime, str] | None:
    data = response["response_bytes"]["response"].parsed["tbs_response_data"]
    for single in data["responses"]:
        status = single["cert_status"]
        if status.name == "revoked" and single["cert_id"]["serial_number"].native == cert.serial_number:
            info = status.chosen
            return info["revocation_time"].native, str(info["revocation_reason"].native or "-")
    return None


def covers(cert: asn1_x509.Certificate, crls: Iterable[asn1_crl.CertificateList],
           ocsps: Iterable[asn1_ocsp.OCSPResponse]) -> bool:
    """Whether any of the CRLs/OCSP responses speaks about ``cert`` (by issuer name / serial)."""
    for crl in crls:
        if crl["tbs_cert_list"]["issuer"] == cert.issuer:
            return True
    return any(ocsp_about(response, cert) for response in ocsps)
