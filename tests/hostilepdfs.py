"""A hostile PDF for the text layer, assembled object by object: a good first page, and a second whose content
stream inflates to 1 GB of spaces (a decompression bomb). The upload check (pypdf) never inflates page
content; pdfium's text reading does, inside the check's memory limit."""

from __future__ import annotations

import zlib

from tests.testpki import assemble_pdf

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
    return assemble_pdf(objects)
