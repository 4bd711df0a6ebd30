"""A hostile PDF for the text layer, written byte by byte: a good first page, and a second whose content
stream inflates to 1 GB of spaces (a decompression bomb). The upload check (pypdf) never inflates page
content; pdfium's text reading does, inside the check's memory limit."""

from __future__ import annotations

import zlib

BOMB_BYTES = 1024 ** 3
FIRST_PAGE = "Kiem tra thuc dia dat dai o to dan pho so 5, phuong Tich Son."


def _bomb() -> bytes:
    packer = zlib.compressobj(9)
    chunk = b" " * (16 * 1024 * 1024)
    return b"".join(packer.compress(chunk) for _ in range(BOMB_BYTES // len(chunk))) + packer.flush()


def bomb_pdf() -> bytes:
    """Page 1 reads FIRST_PAGE (Helvetica); page 2's content is the bomb."""
    text = f"BT /F1 12 Tf 72 770 Td ({FIRST_PAGE}) Tj ET".encode("ascii")
    bomb = _bomb()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 7 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
