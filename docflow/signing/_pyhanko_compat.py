"""Every place docflow relies on a private part of pyHanko, pyhanko-certvalidator or asn1crypto.

Each use is here, behind a public name of docflow's, and pinned by tests/signing/test_pyhanko_compat.py to
the versions in PINNED (the ones requirements.txt locks): an upgrade that renames a hook, changes a
message or restructures a class fails those tests instead of silently changing what docflow signs or
accepts. Where pyHanko offers a public way, docflow uses it instead and nothing is here.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime
from typing import Any

from asn1crypto import cms, tsp
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.stamp import BaseStamp
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.revinfo.manager import RevinfoManager

from docflow.signing.revinfo import ocsp_about

PINNED = {"pyhanko": "0.38.0", "pyhanko-certvalidator": "0.33.0"}

# pyHanko 0.38 reports a signature that outgrew its reserved /Contents only by this message
# (pdf_byterange.PdfByteRangeDigest.fill_reserved_region); there is no error class of its own.
_RESERVATION_TOO_SMALL = "larger than expected"


def reservation_too_small(exc: PyHankoSigningError) -> bool:
    """Whether pyHanko refused to sign because the CMS did not fit the bytes reserved for it."""
    return _RESERVATION_TOO_SMALL in str(exc)


class ContentStamp(BaseStamp):
    """A pyHanko stamp whose content docflow draws: subclasses implement :meth:`render_content`.

    pyHanko's stamps draw in the private hook ``_render_inner_content`` and reach their writer through
    the private ``_ensure_writer``; this class is the one place that overrides and calls them.
    """

    @abstractmethod
    def render_content(self, writer: BasePdfFileWriter) -> list[bytes]:
        """The content stream operators of the stamp, drawn into ``writer``."""

    def _render_inner_content(self) -> list[bytes]:
        return self.render_content(self._ensure_writer)


class TimeStamperHooks(DummyTimeStamper):
    """pyHanko's in-process TSA with its two private token-building hooks as public methods.

    ``DummyTimeStamper.request_tsa_response`` builds the TSTInfo in ``_build_tst_info`` and signs it in
    ``_sign_tst_info``; subclasses override :meth:`build_tst_info` and :meth:`sign_tst_info` instead.
    """

    def build_tst_info(self, message_imprint: tsp.MessageImprint, dt: datetime,
                       req: tsp.TimeStampReq) -> tsp.TSTInfo:
        """The TSTInfo of one token (pyHanko's own by default)."""
        return super()._build_tst_info(message_imprint, dt, req)

    def sign_tst_info(self, tst_info_data: bytes, md_algorithm: str,
                      dt: datetime) -> tuple[bytes, cms.CMSAttributes]:
        """The signature over one token's signed attributes, and those attributes (pyHanko's by default)."""
        return super()._sign_tst_info(tst_info_data, md_algorithm, dt)

    def _build_tst_info(self, message_imprint: tsp.MessageImprint, dt: datetime,
                        req: tsp.TimeStampReq) -> tsp.TSTInfo:
        return self.build_tst_info(message_imprint, dt, req)

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str,
                       dt: datetime) -> tuple[bytes, cms.CMSAttributes]:
        return self.sign_tst_info(tst_info_data, md_algorithm, dt)


class _OwnOcspOnly(RevinfoManager):
    """A RevinfoManager that hands each certificate only the OCSP responses about it (a subclass with no
    state of its own, so an existing manager can take this class)."""

    async def async_retrieve_ocsps(self, cert: Any, authority: Any) -> Any:
        found = await super().async_retrieve_ocsps(cert, authority)
        return [c for c in found if ocsp_about(c.ocsp_response_data, cert)]


def offer_only_own_ocsp(vc: ValidationContext) -> None:
    """Make ``vc`` offer each certificate only the OCSP responses about that certificate.

    pyhanko-certvalidator counts an embedded OCSP response about a sibling certificate (same issuer, other
    serial) as a failed revocation check, so one B-LT signature's response in the DSS would make every
    earlier signature by a colleague untrusted. A ValidationContext builds its RevinfoManager itself (the
    constructor's ``revinfo_manager`` argument is documented as internal and needs the registry and
    fetchers the context builds), so the manager's class is swapped for the stateless subclass.
    """
    vc.revinfo_manager.__class__ = _OwnOcspOnly
