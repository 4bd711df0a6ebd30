"""Signing throughput: a plain pyHanko loop against docflow's warm signing session.

    python -m bench.signing [--repeat N]

Generates (in a temporary directory, nothing written to the repository) a CA, a PKCS#12 signing key and
a TSA certificate, plus 1-, 10- and 100-page PDFs. For B-B and B-T (timestamps from pyHanko's in-process
DummyTimeStamper, so no network time is measured) it times, per document:

  plain  ``SimpleSigner.load_pkcs12(...)`` + ``signers.sign_pdf(...)`` for every document, as a script
         that signs one file at a time would (invisible signature, pyHanko's dry-run size estimate);
  warm   one :class:`docflow.signing.sign.SigningSession` (key loaded once) signing the same document
         with the visible Decree 30 personal appearance (and, separately, an invisible initial);

and a batch of 100 different 1-page documents both ways. Targets: warm <= 0.35x plain per document,
batch >= 3.5x faster.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps import DummyTimeStamper

from docflow.signing.base import PadesLevel, SignatureKind
from docflow.signing.sign import Appearance, SignRequest, SigningContext, SigningSession
from docflow.signing.stamp import demo_signature_png

PIN = "bench-pin-123456"
PAGES = (1, 10, 100)
BATCH = 100


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "UBND phường Bench")])


def _cert(subject: str, key: rsa.RSAPrivateKey, issuer: str, issuer_key: rsa.RSAPrivateKey, *,
          ca: bool = False, eku: x509.ObjectIdentifier | None = None) -> x509.Certificate:
    now = datetime.now(timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([eku]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def make_credentials(directory: Path) -> tuple[Path, DummyTimeStamper]:
    """A PKCS#12 file for the signer and an in-process TSA, both under a fresh CA."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _cert("Bench CA", ca_key, "Bench CA", ca_key, ca=True)
    signer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer_cert = _cert("Nguyễn Văn An", signer_key, "Bench CA", ca_key)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa_cert = _cert("Bench TSA", tsa_key, "Bench CA", ca_key, eku=ExtendedKeyUsageOID.TIME_STAMPING)
    p12 = directory / "signer.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"signer", signer_key, signer_cert, [ca], serialization.BestAvailableEncryption(PIN.encode())))
    tsa_key_info = asn1_keys.PrivateKeyInfo.load(tsa_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return p12, DummyTimeStamper(tsa_cert=_asn1_cert(tsa_cert), tsa_key=tsa_key_info)


def make_pdf(pages: int, tag: int = 0) -> bytes:
    """An A4 PDF with ``pages`` pages of Helvetica text; ``tag`` makes documents differ."""
    from tests.testpki import assemble_pdf  # the one classic-xref writer the tests use too
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    font_id = 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for page in range(pages):
        lines = b"".join(b"BT /F1 11 Tf 72 %d Td (Document %d page %d line %d lorem ipsum dolor) Tj ET\n"
                         % (780 - 14 * i, tag, page + 1, i) for i in range(40))
        content_id = len(objects) + 1
        objects.append(b"<< /Length %d >>\nstream\n" % len(lines) + lines + b"\nendstream")
        page_id = len(objects) + 1
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1"
                       b" %d 0 R >> >> /Contents %d 0 R >>" % (font_id, content_id))
        kids.append(page_id)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), pages)
    return assemble_pdf(objects, file_id=None)


def _load(p12: Path) -> signers.SimpleSigner:
    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=PIN.encode())
    assert signer is not None
    return signer


def plain_sign(p12: Path, data: bytes, timestamper: DummyTimeStamper | None) -> bytes:
    signer = _load(p12)
    meta = signers.PdfSignatureMetadata(field_name="Signature1", md_algorithm="sha256",
                                        subfilter=SigSeedSubFilter.PADES)
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), meta, signer=signer,
                           timestamper=timestamper)
    return out.getvalue()


def _time(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="samples per measurement (median)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        p12, tsa = make_credentials(Path(tmp))
        session = SigningSession(_load(p12), SigningContext(timestamper=tsa))
        token = _time(lambda: asyncio.run(tsa.async_timestamp(b"\0" * 32, "sha256")), args.repeat)
        print(f"one token from the in-process TSA (paid equally by both loops at B-T): {token * 1000:.1f} ms")
        personal = Appearance(mode_line="KT. CHỦ TỊCH", post="PHÓ CHỦ TỊCH", full_name="Nguyễn Văn An",
                              signature_image=demo_signature_png("Nguyễn Văn An"))
        docs = {pages: make_pdf(pages) for pages in PAGES}
        print(f"{'level':6} {'pages':>5} {'plain ms':>9} {'warm ms':>8} {'ratio':>6} "
              f"{'warm-invisible ms':>18} {'ratio':>6}")
        for level in (PadesLevel.B_B, PadesLevel.B_T):
            ts = tsa if level is PadesLevel.B_T else None
            visible = SignRequest(SignatureKind.PERSONAL, level, personal)
            invisible = SignRequest(SignatureKind.INITIAL, level, None)
            session.sign(docs[1], visible)  # warm-up: the appearance template and the TSA size probe
            for pages, data in docs.items():
                plain = _time(partial(plain_sign, p12, data, ts), args.repeat)
                warm = _time(partial(session.sign, data, visible), args.repeat)
                warm_inv = _time(partial(session.sign, data, invisible), args.repeat)
                print(f"{level.value:6} {pages:5d} {plain * 1000:9.1f} {warm * 1000:8.1f} {warm / plain:6.2f} "
                      f"{warm_inv * 1000:18.1f} {warm_inv / plain:6.2f}")

        batch = [make_pdf(1, tag) for tag in range(BATCH)]
        level = PadesLevel.B_T
        start = time.perf_counter()
        for data in batch:
            plain_sign(p12, data, tsa)
        plain_total = time.perf_counter() - start
        start = time.perf_counter()
        batch_session = SigningSession(
            _load(p12),
            SigningContext(timestamper=tsa))
        request = SignRequest(SignatureKind.PERSONAL, level, personal)
        for data in batch:
            batch_session.sign(data, request)
        warm_total = time.perf_counter() - start
        print(f"batch of {BATCH} x 1 page, {level.value}: plain {plain_total:.2f} s, docflow session "
              f"{warm_total:.2f} s (key load and first appearance included): {plain_total / warm_total:.2f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
