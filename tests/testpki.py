"""The test PKI and the live TSA / OCSP / CRL service every signing test uses (a pytest plugin).

Loaded from ``tests/conftest.py`` with ``pytest_plugins = ["tests.testpki"]``.

Once per session, :func:`test_pki` generates fresh keys with ``cryptography`` into a temporary
directory (nothing secret is committed), builds two certomancer architectures from a config generated
here, and serves both with certomancer's ``Animator`` (a WSGI app) through werkzeug's ``make_server``
on ``127.0.0.1`` and a free port, in a daemon thread that is shut down at session end. The port is
bound *before* the config is built, so every CRL distribution point, AIA OCSP URL and the TSA URL in
the certificates points at that running server. Validity periods are relative to today (00:00 UTC),
so the PKI is always "current"; subject names are fixed.

Architecture ``docflow`` (the real one)::

    root            CN=Test Root CA docflow, O=docflow test PKI, C=VN     (self-signed, CRL "root-crl")
    └ issuing       CN=Test Issuing CA docflow, O=UBND phường Tích Sơn, C=VN
                    (CRL "issuing-crl", OCSP "issuing-ocsp"; every cert it issues carries
                    the CRL distribution point and the AIA OCSP URL)
      ├ tsa         CN=Test TSA docflow — EKU timeStamping (critical), serves the TSA
      ├ ocsp        CN=Test OCSP responder docflow — EKU OCSPSigning, ocsp-nocheck
      ├ chutich     CN=Nguyễn Văn An, title=CHỦ TỊCH                    RSA 2048
      ├ phochutich1 CN=Trần Thị Bình, title=PHÓ CHỦ TỊCH                ECDSA P-256
      ├ phochutich2 CN=Lê Văn Cường, title=PHÓ CHỦ TỊCH                 RSA 3072
      ├ organisation CN=UBND phường Tích Sơn (the ward's seal key)      RSA 2048
      ├ expired     CN=Đỗ Văn Hết Hạn — validity ended 365 days ago
      ├ not_yet_valid CN=Vũ Thị Chưa Hiệu Lực — validity starts in 30 days
      ├ revoked     CN=Bùi Văn Thu Hồi — revoked 5 days ago, keyCompromise (CRL and OCSP)
      └ wrong_ku    CN=Đặng Thị Sai Mục Đích — keyUsage keyEncipherment only
    All signers: O=UBND phường Tích Sơn, C=VN, keyUsage digitalSignature + nonRepudiation (critical),
    except wrong_ku. Names are UTF8String.

Architecture ``lookalike``: ``lookalike_root`` and ``lookalike_issuing`` carry byte-identical subject
names to ``root`` / ``issuing`` but other keys, and ``lookalike`` has the same subject as ``chutich``
(own key), issued by ``lookalike_issuing``. It has CRLs (served too) but no OCSP responder.

Fixture API
-----------
``test_pki`` (session) -> :class:`LivePKI`:

- ``root``, ``issuing``, ``lookalike_root``: ``asn1crypto.x509.Certificate``;
  ``root_pem_path``, ``lookalike_root_pem_path``: ``Path`` of PEM files (for ``--trust-root``);
- ``names``: every name below; ``cert(name)`` -> ``asn1crypto.x509.Certificate``;
  ``key(name)`` -> ``asn1crypto.keys.PrivateKeyInfo``; ``chain(name)`` -> tuple of CA certs from
  the issuer up to and including the root (empty for a root);
- ``simple_signer(name)`` -> ``pyhanko.sign.signers.SimpleSigner`` with cert, key and chain;
- ``write_pkcs12(name, pin, directory)`` -> ``Path`` of ``<name>.p12`` (key + cert + chain,
  ``BestAvailableEncryption(pin)``);
- ``tsa_url``, ``ocsp_url`` (the issuing CA's responder), ``crl_url(ca)`` for ``ca`` in
  ``root``, ``issuing``, ``lookalike_root``, ``lookalike_issuing``; ``base_url``;
- ``timestamper()`` -> ``pyhanko.sign.timestamps.HTTPTimeStamper`` for the live TSA;
- ``validation_context(*, allow_fetching=True, **kw)`` -> ``pyhanko_certvalidator.ValidationContext``
  trusting only ``root``; ``kw`` is passed through (``moment``, ``retroactive_revinfo``,
  ``revocation_mode`` (pyHanko's default is ``"soft-fail"``: pass ``"hard-fail"`` to make missing
  revocation data an error), ``crls``/``ocsps``/``other_certs`` e.g. from a PDF's DSS, ...);
- ``crl_der(ca)`` -> the current CRL of ``ca`` as DER, fetched over HTTP from the Animator.

``pdfsig`` (session) -> ``pdfsig(path, *args) -> subprocess.CompletedProcess`` (text, not checked;
extra ``args`` such as ``-nocert`` or ``-no-ocsp`` go before the path). HOME is an empty temporary
directory, so ~/.pki/nssdb never leaks in. When ``certutil`` (Debian package libnss3-tools) is
installed, a temporary NSS database is created, the test root is imported as a trusted CA
(``CT,C,C``), pdfsig gets ``-nssdir sql:<that dir>`` and ``pdfsig.trusts_root`` is True. Without
certutil (the case on the dev machine when this was written) pdfsig runs without ``-nssdir``: an empty
``-nssdir`` makes NSS fail to start ("Unknown Validation Failure"), whereas without one it falls back to
NSS without a database. Nothing is trusted then: read only ``Signature Validation: Signature is
Valid.`` and ``Total document signed`` / ``Not total document signed``, never the ``Certificate
Validation:`` line, which says ``Certificate issuer isn't Trusted.``

Plain helpers: :func:`tiny_pdf` (a 1-page A4 PDF with text) and :func:`pdf_with_fields` (the same
page plus AcroForm text fields ``so_ky_hieu`` and ``ngay_ban_hanh`` and the empty signature field
:data:`SIGNATURE_FIELD`), both returning bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import certomancer.default_plugins  # noqa: F401  (registers simple-ca, ocsp-responder, ...)
import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from certomancer.config_utils import SearchDir
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, KeySets, PKIArchitecture, ServiceLabel
from cryptography import x509 as crypto_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

ORGANISATION = "UBND phường Tích Sơn"
SIGNATURE_FIELD = "chu_ky"

_REAL = ArchLabel("docflow")
_LOOKALIKE = ArchLabel("lookalike")

# public name -> (architecture, certomancer label); key files are named after the public name
_LABELS: dict[str, tuple[ArchLabel, str]] = {
    **{name: (_REAL, name) for name in (
        "root", "issuing", "tsa", "ocsp", "chutich", "phochutich1", "phochutich2", "organisation",
        "expired", "not_yet_valid", "revoked", "wrong_ku",
    )},
    "lookalike_root": (_LOOKALIKE, "root"),
    "lookalike_issuing": (_LOOKALIKE, "issuing"),
    "lookalike": (_LOOKALIKE, "lookalike"),
}
_CRL_REPOS = {
    "root": (_REAL, "root-crl"),
    "issuing": (_REAL, "issuing-crl"),
    "lookalike_root": (_LOOKALIKE, "root-crl"),
    "lookalike_issuing": (_LOOKALIKE, "issuing-crl"),
}
_KEY_TYPES = {"phochutich1": "ec-p256", "phochutich2": "rsa3072"}  # everything else: RSA 2048

_ROOT_NAME = {"common_name": "Test Root CA docflow", "organization_name": "docflow test PKI",
              "country_name": "VN"}
_ISSUING_NAME = {"common_name": "Test Issuing CA docflow", "organization_name": ORGANISATION,
                 "country_name": "VN"}


def _person(common_name: str, title: str) -> dict[str, str]:
    return {"common_name": common_name, "title": title, "organization_name": ORGANISATION,
            "country_name": "VN"}


_SIGNERS = {
    "chutich": _person("Nguyễn Văn An", "CHỦ TỊCH"),
    "phochutich1": _person("Trần Thị Bình", "PHÓ CHỦ TỊCH"),
    "phochutich2": _person("Lê Văn Cường", "PHÓ CHỦ TỊCH"),
    "organisation": {"common_name": ORGANISATION, "organization_name": ORGANISATION,
                     "country_name": "VN"},
    "expired": _person("Đỗ Văn Hết Hạn", "CÔNG CHỨC"),
    "not_yet_valid": _person("Vũ Thị Chưa Hiệu Lực", "CÔNG CHỨC"),
    "revoked": _person("Bùi Văn Thu Hồi", "CÔNG CHỨC"),
    "wrong_ku": _person("Đặng Thị Sai Mục Đích", "CÔNG CHỨC"),
}


# --- building ---------------------------------------------------------------------------------


def _generate_keys(directory: Path) -> dict[str, Any]:
    """One fresh private key per name, written as unencrypted PKCS#8 PEM for certomancer."""
    generated: dict[str, Any] = {}
    for name in _LABELS:
        kind = _KEY_TYPES.get(name, "rsa2048")
        if kind == "ec-p256":
            key: Any = ec.generate_private_key(ec.SECP256R1())
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
        (directory / f"{name}.key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        generated[name] = key
    return generated


def _validity(start: datetime, end: datetime) -> dict[str, str]:
    return {"valid-from": start.isoformat(), "valid-to": end.isoformat()}


def _architecture_configs(today: datetime) -> dict[str, Any]:
    years = lambda n: timedelta(days=365 * n)  # noqa: E731
    ca_services = {
        "crl-repo": {
            "root-crl": {"for-issuer": "root", "simulated-update-schedule": "P1D"},
            "issuing-crl": {"for-issuer": "issuing", "simulated-update-schedule": "P1D"},
        },
    }
    ca_certs = {
        "root": {
            "subject": "root", "issuer": "root",
            "validity": _validity(today - years(5), today + years(15)),
            "profiles": [{"id": "simple-ca", "params": {"crl-repo": "root-crl"}}],
        },
        "issuing": {
            "subject": "issuing", "issuer": "root",
            "validity": _validity(today - years(4), today + years(10)),
            "profiles": [{"id": "simple-ca", "params": {"max-path-len": 0, "crl-repo": "issuing-crl",
                                                         "ocsp-service": "issuing-ocsp"}}],
        },
    }
    signer = {
        "issuer": "issuing",
        "validity": _validity(today - years(2), today + years(3)),
        "profiles": ["digsig-commitment"],  # keyUsage digitalSignature + nonRepudiation, critical
    }
    real_certs = {
        **{k: dict(v) for k, v in ca_certs.items()},
        "tsa": {
            "subject": "tsa", "issuer": "issuing",
            "validity": _validity(today - years(2), today + years(5)),
            "extensions": [
                {"id": "key_usage", "critical": True, "value": {"digital_signature"}},
                {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
            ],
        },
        "ocsp": {
            "subject": "ocsp", "issuer": "issuing",
            "validity": _validity(today - years(2), today + years(5)),
            "profiles": ["ocsp-responder"],
        },
        **{name: {**signer, "subject": name} for name in
           ("chutich", "phochutich1", "phochutich2", "organisation")},
        "expired": {**signer, "subject": "expired",
                    "validity": _validity(today - years(3), today - years(1))},
        "not_yet_valid": {**signer, "subject": "not_yet_valid",
                          "validity": _validity(today + timedelta(days=30), today + years(3))},
        "revoked": {**signer, "subject": "revoked",
                    "revocation": {"revoked-since": (today - timedelta(days=5)).isoformat(),
                                   "reason": "key_compromise"}},
        "wrong_ku": {
            "subject": "wrong_ku", "issuer": "issuing",
            "validity": signer["validity"],
            "extensions": [{"id": "key_usage", "critical": True, "value": {"key_encipherment"}}],
        },
    }
    real = {
        "keyset": "docflow",
        "entities": {
            "root": _ROOT_NAME, "issuing": _ISSUING_NAME,
            "tsa": {"common_name": "Test TSA docflow", "organization_name": ORGANISATION,
                    "country_name": "VN"},
            "ocsp": {"common_name": "Test OCSP responder docflow",
                     "organization_name": ORGANISATION, "country_name": "VN"},
            **_SIGNERS,
        },
        "certs": real_certs,
        "services": {
            **ca_services,
            "ocsp": {"issuing-ocsp": {"for-issuer": "issuing", "responder-cert": "ocsp",
                                      "signing-key": "ocsp"}},
            "time-stamping": {"tsa": {"signing-cert": "tsa", "signing-key": "tsa",
                                      "certs-to-embed": ["issuing"]}},
        },
    }
    # Own serial numbers: the same issuer name and serial as a real certificate would make
    # certificate stores keyed on (issuer, serial) silently drop one of the two.
    lookalike_ca = {k: {**v, "serial": serial} for (k, v), serial in zip(ca_certs.items(), (8001, 8002))}
    lookalike_ca["issuing"]["profiles"] = [
        {"id": "simple-ca", "params": {"max-path-len": 0, "crl-repo": "issuing-crl"}}]
    lookalike = {
        "keyset": "lookalike",
        "entities": {"root": _ROOT_NAME, "issuing": _ISSUING_NAME, "lookalike": _SIGNERS["chutich"]},
        "certs": {**lookalike_ca, "lookalike": {**signer, "subject": "lookalike", "serial": 8003}},
        "services": ca_services,
    }
    return {_REAL.value: real, _LOOKALIKE.value: lookalike}


def _keyset_configs() -> dict[str, Any]:
    sets: dict[str, Any] = {_REAL.value: {"keys": {}}, _LOOKALIKE.value: {"keys": {}}}
    for name, (arch, label) in _LABELS.items():
        sets[arch.value]["keys"][label] = {"path": f"{name}.key.pem"}
    return sets


class _LateBoundApp:
    """The WSGI app the server starts with, so the port is known before the PKI is built."""

    def __init__(self) -> None:
        self.app: Callable[..., Any] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self.app is not None, "the test PKI is not built yet"
        return self.app(environ, start_response)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # errors are still logged


# --- the fixture object ------------------------------------------------------------------------


@dataclass(frozen=True)
class LivePKI:
    """What ``test_pki`` yields; see the module docstring."""

    base_url: str
    root_pem_path: Path
    lookalike_root_pem_path: Path
    _archs: dict[ArchLabel, PKIArchitecture] = field(repr=False)
    _crypto_keys: dict[str, Any] = field(repr=False)

    names = tuple(_LABELS)

    def _arch_label(self, name: str) -> tuple[PKIArchitecture, CertLabel]:
        try:
            arch, label = _LABELS[name]
        except KeyError:
            raise KeyError(f"no test PKI certificate {name!r}; known: {', '.join(_LABELS)}") from None
        return self._archs[arch], CertLabel(label)

    def cert(self, name: str) -> asn1_x509.Certificate:
        arch, label = self._arch_label(name)
        return arch.get_cert(label)

    def key(self, name: str) -> asn1_keys.PrivateKeyInfo:
        arch, label = self._arch_label(name)
        return arch.key_set.get_private_key(arch.get_cert_spec(label).subject_key)

    def chain(self, name: str) -> tuple[asn1_x509.Certificate, ...]:
        arch, label = self._arch_label(name)
        return tuple(arch.get_cert(lbl) for lbl in arch.get_chain(label))

    @property
    def root(self) -> asn1_x509.Certificate:
        return self.cert("root")

    @property
    def issuing(self) -> asn1_x509.Certificate:
        return self.cert("issuing")

    @property
    def lookalike_root(self) -> asn1_x509.Certificate:
        return self.cert("lookalike_root")

    def simple_signer(self, name: str) -> SimpleSigner:
        return SimpleSigner(
            signing_cert=self.cert(name), signing_key=self.key(name),
            cert_registry=SimpleCertificateStore.from_certs(self.chain(name)))

    def write_pkcs12(self, name: str, pin: str, directory: Path) -> Path:
        def load(cert: asn1_x509.Certificate) -> crypto_x509.Certificate:
            return crypto_x509.load_der_x509_certificate(cert.dump())

        data = pkcs12.serialize_key_and_certificates(
            name=name.encode(), key=self._crypto_keys[name], cert=load(self.cert(name)),
            cas=[load(c) for c in self.chain(name)],
            encryption_algorithm=serialization.BestAvailableEncryption(pin.encode()))
        path = Path(directory) / f"{name}.p12"
        path.write_bytes(data)
        return path

    @property
    def tsa_url(self) -> str:
        return self._archs[_REAL].service_registry.get_tsa_info(ServiceLabel("tsa")).url

    @property
    def ocsp_url(self) -> str:
        return self._archs[_REAL].service_registry.get_ocsp_info(ServiceLabel("issuing-ocsp")).url

    def crl_url(self, ca: str) -> str:
        try:
            arch, repo = _CRL_REPOS[ca]
        except KeyError:
            raise KeyError(f"no CRL for {ca!r}; known: {', '.join(_CRL_REPOS)}") from None
        info = self._archs[arch].service_registry.get_crl_repo_info(ServiceLabel(repo))
        return info.latest_external_url

    def crl_der(self, ca: str) -> bytes:
        with urllib.request.urlopen(self.crl_url(ca), timeout=10) as response:
            return response.read()

    def timestamper(self) -> HTTPTimeStamper:
        return HTTPTimeStamper(self.tsa_url, timeout=10)

    def validation_context(self, *, allow_fetching: bool = True, **kw: Any) -> ValidationContext:
        return ValidationContext(trust_roots=[self.root], allow_fetching=allow_fetching, **kw)


def _write_pem(cert: asn1_x509.Certificate, path: Path) -> Path:
    path.write_bytes(pem.armor("CERTIFICATE", cert.dump()))
    return path


@pytest.fixture(scope="session", name="test_pki")
def _test_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePKI]:
    directory = tmp_path_factory.mktemp("testpki")
    app = _LateBoundApp()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True,
                                         request_handler=_QuietHandler)
    try:
        base_url = f"http://127.0.0.1:{server.server_port}"
        crypto_keys = _generate_keys(directory)
        today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        key_sets = KeySets(_keyset_configs(), search_dir=SearchDir(str(directory)))
        archs = {
            arch.arch_label: arch
            for arch in PKIArchitecture.build_architectures(
                key_sets, _architecture_configs(today), external_url_prefix=base_url,
                config_search_dir=None)
        }
        pki = LivePKI(
            base_url=base_url,
            root_pem_path=directory / "root.cert.pem",
            lookalike_root_pem_path=directory / "lookalike_root.cert.pem",
            _archs=archs, _crypto_keys=crypto_keys)
        for name in LivePKI.names:  # issue everything now: config errors surface here, once
            pki.cert(name)
        _write_pem(pki.root, pki.root_pem_path)
        _write_pem(pki.lookalike_root, pki.lookalike_root_pem_path)
        app.app = Animator(AnimatorArchStore(archs), with_web_ui=False)
    except BaseException:
        server.server_close()
        raise
    thread = threading.Thread(target=server.serve_forever, name="testpki-animator", daemon=True)
    thread.start()
    try:
        yield pki
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- pdfsig -----------------------------------------------------------------------------------


class PdfSig:
    """Callable returned by the ``pdfsig`` fixture; see the module docstring."""

    def __init__(self, home: Path, nssdir: Path | None) -> None:
        self.home = home
        self.nssdir = nssdir

    @property
    def trusts_root(self) -> bool:
        return self.nssdir is not None

    def __call__(self, path: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
        nss = ["-nssdir", f"sql:{self.nssdir}"] if self.nssdir is not None else []
        # HOME points at an empty directory so that, without a database, pdfsig cannot pick up
        # ~/.pki/nssdb and falls back to NSS without any database (nothing trusted)
        return subprocess.run(["pdfsig", *nss, *args, str(path)], capture_output=True, text=True,
                              timeout=60, check=False, env={**os.environ, "HOME": str(self.home)})


@pytest.fixture(scope="session")
def pdfsig(test_pki: LivePKI, tmp_path_factory: pytest.TempPathFactory) -> PdfSig:
    if shutil.which("pdfsig") is None:
        pytest.skip("poppler's pdfsig is not installed (Debian package poppler-utils)")
    home = tmp_path_factory.mktemp("pdfsig-home")
    certutil = shutil.which("certutil")
    if certutil is None:  # libnss3-tools is missing: an empty -nssdir would make NSS fail to start
        return PdfSig(home, nssdir=None)
    nssdir = tmp_path_factory.mktemp("nssdb")
    subprocess.run([certutil, "-N", "-d", f"sql:{nssdir}", "--empty-password"],
                   check=True, capture_output=True)
    subprocess.run([certutil, "-A", "-d", f"sql:{nssdir}", "-n", "docflow test root", "-t", "CT,C,C",
                    "-i", str(test_pki.root_pem_path)], check=True, capture_output=True)
    return PdfSig(home, nssdir=nssdir)


# --- sample PDFs ------------------------------------------------------------------------------


_FILE_ID = b"<646f63666c6f7774696e79706466>"


def assemble_pdf(objects: list[bytes], *, file_id: bytes | None = _FILE_ID) -> bytes:
    """A classic one-revision PDF from bodies of objects 1..n (object 1 is the catalog); ``file_id`` (a hex
    string) goes into the trailer's /ID, which the sample PDFs carry and hand-made attack files may not."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer_id = b" /ID [%s %s]" % (file_id, file_id) if file_id is not None else b""
    out += (b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, trailer_id, xref))
    return bytes(out)


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


_PAGE_TEXT = (b"BT /F1 16 Tf 72 770 Td (UBND phuong Tich Son) Tj ET\n"
              b"BT /F1 11 Tf 72 740 Td (docflow test document - tiny_pdf) Tj ET\n")
_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def tiny_pdf() -> bytes:
    """A small valid one-page A4 PDF with a line of text, as bytes."""
    return assemble_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        _stream(_PAGE_TEXT),
        _FONT,
    ])


def pdf_with_fields() -> bytes:
    """Like :func:`tiny_pdf`, plus AcroForm text fields ``so_ky_hieu`` and ``ngay_ban_hanh``
    (empty, Helvetica 11) and an empty signature field named :data:`SIGNATURE_FIELD`."""
    widget = b"/Type /Annot /Subtype /Widget /F 4 /P 3 0 R"
    return assemble_pdf([
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R 7 0 R 8 0 R]"
        b" /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv 5 0 R >> >> >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R /Annots [6 0 R 7 0 R 8 0 R] >>",
        _stream(_PAGE_TEXT + b"BT /F1 11 Tf 72 705 Td (So:) Tj ET\n"
                             b"BT /F1 11 Tf 330 705 Td (Ngay:) Tj ET\n"),
        _FONT,
        b"<< " + widget + b" /FT /Tx /T (so_ky_hieu) /DA (/Helv 11 Tf 0 g) /Rect [100 700 300 718] >>",
        b"<< " + widget + b" /FT /Tx /T (ngay_ban_hanh) /DA (/Helv 11 Tf 0 g) /Rect [370 700 540 718] >>",
        b"<< " + widget + b" /FT /Sig /T (" + SIGNATURE_FIELD.encode() + b") /Rect [330 120 540 220] >>",
    ])
