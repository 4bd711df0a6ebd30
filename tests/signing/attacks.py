"""Builders of signed PDFs and of the known attacks on them (Mladenov et al. 2019, Mainka et al. 2021).

Everything is signed here with pyHanko directly (not docflow's signer), so the verifier is tested
against documents it did not produce. Each attack builder takes legitimately signed bytes and
returns the attacked bytes; the tests check the legitimate input is valid and the attacked one is not.
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

from tests.testpki import _stream, assemble_pdf

_WHITE_BOX = b"1 1 1 rg 0 0 595 842 re f\n"


def sign(data: bytes, signer: signers.Signer, *, field: str = "Signature1", certify: bool = False,
         docmdp: fields.MDPPerm | None = None, field_lock: fields.FieldMDPSpec | None = None,
         timestamper: Any = None, md_algorithm: str = "sha256", validation_context: Any = None,
         box: tuple[int, int, int, int] | None = None, subfilter: fields.SigSeedSubFilter | None = None,
         ) -> bytes:
    """Sign ``data`` incrementally with pyHanko, creating ``field`` if it does not exist."""
    meta = signers.PdfSignatureMetadata(
        field_name=field, certify=certify, docmdp_permissions=docmdp or fields.MDPPerm.FILL_FORMS,
        md_algorithm=md_algorithm, validation_context=validation_context,
        embed_validation_info=validation_context is not None,
        subfilter=subfilter or fields.SigSeedSubFilter.PADES)
    spec = None
    existing = {name for name, _, _ in fields.enumerate_sig_fields(PdfFileReader(BytesIO(data)))}
    if field not in existing:
        spec = fields.SigFieldSpec(field, box=box, field_mdp_spec=field_lock,
                                   doc_mdp_update_value=docmdp if field_lock is not None else None)
    out = signers.PdfSigner(meta, signer, timestamper=timestamper, new_field_spec=spec).sign_pdf(
        IncrementalPdfFileWriter(BytesIO(data)))
    return bytes(out.getvalue())


def document_timestamp(data: bytes, timestamper: Any, validation_context: Any = None) -> bytes:
    """Append a PAdES document timestamp (with validation data when a context is given)."""
    stamper = PdfTimeStamper(timestamper)
    out = BytesIO()
    stamper.timestamp_pdf(IncrementalPdfFileWriter(BytesIO(data)), "sha256",
                          validation_context=validation_context, output=out)
    return out.getvalue()


def _update(data: bytes) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(BytesIO(data))


def _finish(writer: IncrementalPdfFileWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _first_page(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    assert isinstance(page, generic.DictionaryObject)
    return page


def _page_ref(writer: IncrementalPdfFileWriter) -> generic.IndirectObject:
    ref = writer.root["/Pages"]["/Kids"].raw_get(0)
    assert isinstance(ref, generic.IndirectObject)
    return ref


# --- USF: universal signature forgery -------------------------------------------------------------

_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[[^\]]*\]")
_CONTENTS = re.compile(rb"/Contents\s*<[0-9A-Fa-f]*>")


def _last(pattern: re.Pattern[bytes], data: bytes) -> re.Match[bytes]:
    matches = list(pattern.finditer(data))
    assert matches, pattern.pattern
    return matches[-1]


def _same_length(data: bytes, match: re.Match[bytes], replacement: bytes) -> bytes:
    size = match.end() - match.start()
    assert len(replacement) <= size
    return data[:match.start()] + replacement.ljust(size) + data[match.end():]


def usf_byte_range_missing(signed: bytes) -> bytes:
    match = _last(_BYTE_RANGE, signed)
    return _same_length(signed, match, b"/Foo " + match.group()[len(b"/ByteRange"):].lstrip())


def usf_byte_range_null(signed: bytes) -> bytes:
    return _same_length(signed, _last(_BYTE_RANGE, signed), b"/ByteRange null")


def usf_byte_range_malformed(signed: bytes) -> bytes:
    return _same_length(signed, _last(_BYTE_RANGE, signed), b"/ByteRange [0 -5 (x) /Y]")


def usf_byte_range_elsewhere(signed: bytes) -> bytes:
    """ByteRange [0 0 0 0]: the signature covers nothing at all."""
    return _same_length(signed, _last(_BYTE_RANGE, signed), b"/ByteRange [0 0 0 0]")


def usf_contents_missing(signed: bytes) -> bytes:
    match = _last(_CONTENTS, signed)
    return _same_length(signed, match, b"/Foo" + match.group()[len(b"/Contents"):])


def usf_contents_null(signed: bytes) -> bytes:
    return _same_length(signed, _last(_CONTENTS, signed), b"/Contents null")


def usf_contents_malformed(signed: bytes) -> bytes:
    match = _last(_CONTENTS, signed)
    hex_len = match.end() - match.start() - len(b"/Contents <>")
    return _same_length(signed, match, b"/Contents <" + b"3082DEADBEEF".ljust(hex_len, b"0") + b">")


def usf_empty_signature(signed: bytes) -> bytes:
    match = _last(_CONTENTS, signed)
    hex_len = match.end() - match.start() - len(b"/Contents <>")
    return _same_length(signed, match, b"/Contents <" + b"0" * hex_len + b">")


# --- ISA: incremental saving attacks --------------------------------------------------------------

def isa_change_page_content(signed: bytes, text: bytes = b"So tien: 999.000.000 dong") -> bytes:
    writer = _update(signed)
    page = _first_page(writer)
    content = generic.StreamObject(stream_data=b"BT /F1 16 Tf 72 600 Td (" + text + b") Tj ET\n")
    page["/Contents"] = writer.add_object(content)
    writer.update_container(page)
    return _finish(writer)


def isa_add_page(signed: bytes) -> bytes:
    writer = _update(signed)
    pages = writer.root["/Pages"]
    content = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 16 Tf 72 700 Td (Trang gia) Tj ET\n"))
    page = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Page"), pdf_name("/Parent"): writer.root.raw_get("/Pages"),
        pdf_name("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
        pdf_name("/Contents"): content,
    })
    pages["/Kids"].append(writer.add_object(page))
    pages["/Count"] = generic.NumberObject(len(pages["/Kids"]))
    writer.update_container(pages)
    return _finish(writer)


def isa_replace_catalog(signed: bytes) -> bytes:
    """Redefine the catalog so it points at a new page tree holding one forged page."""
    writer = _update(signed)
    content = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 16 Tf 72 700 Td (Gia mao) Tj ET\n"))
    pages = generic.DictionaryObject({pdf_name("/Type"): pdf_name("/Pages"),
                                      pdf_name("/Count"): generic.NumberObject(1)})
    pages_ref = writer.add_object(pages)
    page = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Page"), pdf_name("/Parent"): pages_ref,
        pdf_name("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
        pdf_name("/Contents"): content,
    })
    pages["/Kids"] = generic.ArrayObject([writer.add_object(page)])
    writer.root["/Pages"] = pages_ref
    writer.update_root()
    return _finish(writer)


def isa_append_without_xref(signed: bytes) -> bytes:
    """An object redefinition pasted after %%EOF with no xref section or trailer."""
    return signed + b"4 0 obj\n<< /Length 44 >>\nstream\nBT /F1 16 Tf 72 600 Td (Gia mao) Tj ET\n\nendstream\nendobj\n"


def isa_append_fake_eof(signed: bytes) -> bytes:
    """Like isa_append_without_xref, but ending with a %%EOF marker as if it were a revision."""
    return isa_append_without_xref(signed) + b"%%EOF\n"


# --- SWA: signature wrapping ----------------------------------------------------------------------

def swa_relocate(signed: bytes,
                payload: bytes = b"4 0 obj\n<< /Length 45 >>\nstream\n"
                                 b"BT /F1 16 Tf 72 600 Td (Noi dung gia mao) Tj ET\nendstream\nendobj\n",
                ) -> bytes:
    """Signature wrapping: the second signed part (which holds the signed /ByteRange) is moved to the
    end; the gap after /Contents gets a copy of the signature dictionary's tail with a /ByteRange
    pointing at the moved part, plus the payload; a fresh xref makes the payload the live objects.
    The signed bytes are unchanged, so the CMS digest still matches."""
    match = _last(_BYTE_RANGE, signed)
    start1, len1, start2, len2 = (int(v) for v in match.group()[len(b"/ByteRange"):].strip(b" []").split())
    part2 = signed[start2:start2 + len2]
    tail = part2[:part2.index(b"endobj") + len(b"endobj")]
    old_range = _BYTE_RANGE.search(tail)
    assert old_range is not None
    size = old_range.end() - old_range.start()
    gap_len = len(tail) + 1 + len(payload)
    new_range = (b"/ByteRange [%d %d %d %d]" % (start1, len1, start2 + gap_len, len2)).ljust(size)
    gap = tail[:old_range.start()] + new_range + tail[old_range.end():] + b"\n" + payload
    assert len(gap) == gap_len
    return _with_fresh_xref(signed[:start2] + gap + part2)


def _with_fresh_xref(body: bytes) -> bytes:
    """Append one complete classic xref section in which the last definition of each object wins."""
    offsets: dict[int, int] = {}
    for found in re.finditer(rb"(?<![0-9])(\d+) 0 obj\b", body):
        offsets[int(found.group(1))] = found.start()
    size = max(offsets) + 1
    rows = [b"0000000000 65535 f \n"]
    rows += [b"%010d 00000 n \n" % offsets[n] if n in offsets else b"0000000000 00000 f \n"
             for n in range(1, size)]
    xref = len(body) + 1
    return (body + b"\nxref\n0 %d\n" % size + b"".join(rows)
            + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))


# --- shadow attacks ----------------------------------------------------------------------------

def shadow_original() -> bytes:
    """A one-page PDF that already holds a white overlay form XObject (drawn over the text), an opaque
    Square annotation over the first line and an unreferenced 'shadow' page tree with other content:
    the material hide / hide-and-replace use."""

    text = (b"BT /F1 16 Tf 72 770 Td (Noi dung that) Tj ET\n"
            b"BT /F1 16 Tf 72 600 Td (Noi dung an: chuyen 1 ty dong) Tj ET\n")
    return assemble_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >>"
        b" /XObject << /Cover 6 0 R >> >> /Contents 4 0 R /Annots [10 0 R] >>",
        _stream(text + b"q /Cover Do Q\n"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Length %d >>\nstream\n" % len(b"1 1 1 rg 0 0 595 650 re f\n")
        + b"1 1 1 rg 0 0 595 650 re f\n" + b"\nendstream",
        b"<< /Type /Pages /Kids [8 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 7 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 9 0 R >>",
        _stream(b"BT /F1 16 Tf 72 770 Td (Tai lieu bong: noi dung khac) Tj ET\n"),
        b"<< /Type /Annot /Subtype /Square /Rect [60 760 540 790] /F 4 /P 3 0 R /AP << /N 11 0 R >> >>",
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 480 30] /Length 24 >>\nstream\n"
        b"1 1 1 rg 0 0 480 30 re f\n\nendstream",
    ])


def shadow_hide_reveal(signed: bytes) -> bytes:
    """Hide: replace the overlay XObject with an empty one, revealing what it covered."""
    writer = _update(signed)
    page = _first_page(writer)
    empty = writer.add_object(generic.StreamObject(
        {pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Form"),
         pdf_name("/BBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 1, 1)])},
        stream_data=b""))
    resources = page["/Resources"]
    resources["/XObject"] = generic.DictionaryObject({pdf_name("/Cover"): empty})
    writer.update_container(page)
    return _finish(writer)


def shadow_hide_by_flag(signed: bytes) -> bytes:
    """Hide: set the Hidden flag on the annotation that covered the first line."""
    writer = _update(signed)
    annot = generic.IndirectObject(10, 0, writer).get_object()
    assert isinstance(annot, generic.DictionaryObject)
    annot["/F"] = generic.NumberObject(2)
    writer.update_container(annot)
    return _finish(writer)


def shadow_hide_and_replace(signed: bytes) -> bytes:
    """Hide-and-replace: point the catalog at the shadow page tree (object 7) signed along with the rest."""
    writer = _update(signed)
    writer.root["/Pages"] = generic.IndirectObject(7, 0, writer)
    writer.update_root()
    return _finish(writer)


def replace_field_value(signed: bytes, field_name: str, value: str) -> bytes:
    """Replace a text field's value (and drop its appearance) in an incremental update."""
    writer = _update(signed)
    for ref in writer.root["/AcroForm"]["/Fields"]:
        form_field = ref.get_object()
        if form_field.get("/T") == field_name:
            form_field["/V"] = generic.TextStringObject(value)
            writer.update_container(form_field)
            break
    else:
        raise AssertionError(f"no field {field_name}")
    return _finish(writer)


def replace_font(signed: bytes) -> bytes:
    """Replace: redefine the page font object (object 5) with another font in an incremental update."""
    writer = _update(signed)
    font = generic.IndirectObject(5, 0, writer).get_object()
    assert isinstance(font, generic.DictionaryObject)
    font["/BaseFont"] = pdf_name("/ZapfDingbats")
    writer.update_container(font)
    return _finish(writer)


# --- EAA / SSA: annotations and signature fields after a certification ------------------------------

def add_annotation(signed: bytes, subtype: str = "/FreeText") -> bytes:
    """Add a FreeText / Stamp annotation (with an opaque appearance) on the first page."""
    writer = _update(signed)
    page = _first_page(writer)
    appearance = writer.add_object(generic.StreamObject(
        {pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Form"),
         pdf_name("/BBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 400, 100)])},
        stream_data=_WHITE_BOX.replace(b"595 842", b"400 100")))
    annot = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name(subtype),
        pdf_name("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (60, 690, 460, 790)]),
        pdf_name("/Contents"): generic.TextStringObject("Gia mao"), pdf_name("/F"): generic.NumberObject(4),
        pdf_name("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"), pdf_name("/P"): _page_ref(writer),
        pdf_name("/AP"): generic.DictionaryObject({pdf_name("/N"): appearance}),
    })
    annots = page.get("/Annots")
    if annots is None:
        page["/Annots"] = generic.ArrayObject([writer.add_object(annot)])
        writer.update_container(page)
    else:
        annots.append(writer.add_object(annot))
        writer.update_container(page if isinstance(page.raw_get("/Annots"), generic.ArrayObject) else annots)
    return _finish(writer)


def add_text_widget(signed: bytes) -> bytes:
    """Add a new text form field whose widget covers the page text."""
    writer = _update(signed)
    page = _first_page(writer)
    widget = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Widget"),
        pdf_name("/FT"): pdf_name("/Tx"), pdf_name("/T"): generic.TextStringObject("gia_mao"),
        pdf_name("/V"): generic.TextStringObject("Gia mao"), pdf_name("/F"): generic.NumberObject(4),
        pdf_name("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (60, 690, 460, 790)]),
        pdf_name("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"), pdf_name("/P"): _page_ref(writer),
    })
    ref = writer.add_object(widget)
    _append_field(writer, page, ref)
    return _finish(writer)


def add_overlay_signature_field(signed: bytes) -> bytes:
    """SSA: a new, empty signature field whose appearance paints over the page content."""
    writer = _update(signed)
    page = _first_page(writer)
    appearance = writer.add_object(generic.StreamObject(
        {pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Form"),
         pdf_name("/BBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)])},
        stream_data=_WHITE_BOX + b"0 g BT /Helv 16 Tf 72 770 Td (Noi dung gia) Tj ET\n"))
    widget = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Widget"),
        pdf_name("/FT"): pdf_name("/Sig"), pdf_name("/T"): generic.TextStringObject("sneaky"),
        pdf_name("/F"): generic.NumberObject(4), pdf_name("/P"): _page_ref(writer),
        pdf_name("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
        pdf_name("/AP"): generic.DictionaryObject({pdf_name("/N"): appearance}),
    })
    _append_field(writer, page, writer.add_object(widget))
    return _finish(writer)


def _append_field(writer: IncrementalPdfFileWriter, page: generic.DictionaryObject,
                  ref: generic.IndirectObject) -> None:
    acroform = writer.root.get("/AcroForm")
    if acroform is None:
        writer.root["/AcroForm"] = generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject([ref])})
        writer.update_root()
    else:
        acroform["/Fields"].append(ref)
        if isinstance(writer.root.raw_get("/AcroForm"), generic.IndirectObject):
            writer.update_container(acroform)
        else:
            writer.update_root()
    annots = page.get("/Annots")
    if annots is None:
        page["/Annots"] = generic.ArrayObject([ref])
    else:
        annots.append(ref)
    writer.update_container(page)


# --- certificates ---------------------------------------------------------------------------------

def self_signed_signer(subject_like: asn1_x509.Certificate) -> signers.SimpleSigner:
    """A signer whose self-signed certificate copies ``subject_like``'s subject and key usage."""
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from pyhanko.keys import load_private_key_from_pemder_data
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name.from_rfc4514_string(x509.load_der_x509_certificate(subject_like.dump()).subject.rfc4514_string())
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(key, hashes.SHA256()))
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=load_private_key_from_pemder_data(der_key, passphrase=None),
        cert_registry=SimpleCertificateStore())


# --- malformed inputs ---------------------------------------------------------------------------

def truncated(data: bytes) -> bytes:
    return data[:len(data) // 2]


def xref_prev_loop(data: bytes) -> bytes:
    """Two appended xref sections whose /Prev entries point at each other."""
    first = len(data)
    section = (b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 6 /Root 1 0 R /Prev %010d >>\n"
               b"startxref\n%010d\n%%%%EOF\n")
    second = first + len(section % (0, 0))
    return data + section % (second, first) + section % (first, second)


_PAGE = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
         b" /Contents 4 0 R >>")
_TEXT = b"BT /F1 16 Tf 72 770 Td (Tep hong) Tj ET\n"
_HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def assemble(objects: list[bytes]) -> bytes:
    """A classic one-revision PDF from bodies of objects 1..n (object 1 is the catalog), without a file ID."""
    return assemble_pdf(objects, file_id=None)


def deeply_nested(depth: int = 100_000, *, comments: bool = False) -> bytes:
    """A PDF whose catalog holds an entry nested ``depth`` arrays deep; with ``comments`` a comment
    sits between the brackets, the same nesting to a PDF parser but not to a plain-text scan."""
    opener = b"[%x\n" if comments else b"["
    nested = opener * depth + b"]" * depth
    return assemble([b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /Deep " + nested + b" >> >>",
                     b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", _PAGE,
                     b"<< /Length %d >>\nstream\n" % len(_TEXT) + _TEXT + b"\nendstream", _HELVETICA])


def huge_stream_length() -> bytes:
    """The page content stream claims a 10 GB length."""
    return assemble([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", _PAGE,
                     b"<< /Length 10000000000 >>\nstream\n" + _TEXT + b"\nendstream", _HELVETICA])
