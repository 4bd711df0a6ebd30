"""The blob store and the PDF check, on real files."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from docflow.errors import ValidationError
from docflow.pdfcheck import check_pdf
from docflow.storage import BlobMissingError, FileSystemStore
from tests.conftest import pdf_bytes


def test_content_is_stored_once_under_its_sha256_and_read_only(tmp_path):
    store = FileSystemStore(tmp_path)
    data = pdf_bytes("store")
    sha, size, path = store.put_stream(io.BytesIO(data), max_bytes=10 ** 6)
    assert sha == hashlib.sha256(data).hexdigest() and size == len(data)
    assert path == store.path_for(sha) and path.read_bytes() == data
    assert path.stat().st_mode & 0o222 == 0
    again, _, _ = store.put_stream(io.BytesIO(data), max_bytes=10 ** 6)
    assert again == sha and path.read_bytes() == data
    assert list((tmp_path / "tmp").iterdir()) == []


def test_too_large_or_rejected_content_leaves_nothing_behind(tmp_path):
    store = FileSystemStore(tmp_path)
    with pytest.raises(ValidationError):
        store.put_stream(io.BytesIO(b"x" * 5000), max_bytes=4096)

    def refuse(_path: Path) -> None:
        raise ValidationError("no")
    with pytest.raises(ValidationError):
        store.put_stream(io.BytesIO(b"y" * 100), max_bytes=4096, check=refuse)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_missing_blob_raises_a_named_error(tmp_path):
    store = FileSystemStore(tmp_path)
    with pytest.raises(BlobMissingError):
        store.open("a" * 64)
    with pytest.raises(ValueError):
        store.path_for("../../etc/passwd")


def _file(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "f.pdf"
    path.write_bytes(data)
    return path


def test_a_real_pdf_passes_with_its_page_count(tmp_path):
    assert check_pdf(_file(tmp_path, pdf_bytes(pages=3))).page_count == 3


@pytest.mark.parametrize("data,fragment", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n not a pdf", "not a PDF"),
    (b"%PDF-1.7\n%garbage with no objects at all\n%%EOF\n", "damaged"),
    (pdf_bytes("cut")[:150], "damaged"),
    (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF", "damaged"),
])
def test_unusable_files_get_a_clear_reason(tmp_path, data, fragment):
    with pytest.raises(ValidationError) as exc:
        check_pdf(_file(tmp_path, data))
    assert fragment in exc.value.message


def test_a_password_protected_pdf_is_refused(tmp_path):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password="", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ValidationError) as exc:
        check_pdf(_file(tmp_path, out.getvalue()))
    assert "password" in exc.value.message


def _raw_pdf(*objects: bytes) -> bytes:
    """A hand-built PDF with a correct xref table, for structures no library would write."""
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"


@pytest.mark.parametrize("objects", [
    pytest.param((CATALOG, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"), id="page-tree-points-to-itself"),
    pytest.param((CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                  b"<< /Type /Pages /Kids [2 0 R] /Parent 2 0 R /Count 1 >>"), id="page-tree-cycle"),
    pytest.param((b"<< /Type /Catalog /Pages 2 0 R /X " + b"[" * 100_000 + b"]" * 100_000 + b" >>",
                  b"<< /Type /Pages /Kids [] /Count 0 >>"), id="deep-nesting"),
])
def test_hostile_structures_are_refused_with_a_message(tmp_path, objects):
    with pytest.raises(ValidationError) as exc:
        check_pdf(_file(tmp_path, _raw_pdf(*objects)))
    assert "damaged" in exc.value.message or "no pages" in exc.value.message


def test_storage_path_puts_the_blobs_on_the_shared_mount(tmp_path):
    from docflow import config
    from docflow.storage import open_store
    settings = config.load(overrides={"app": {"data_dir": str(tmp_path / "var")},
                                      "storage": {"path": str(tmp_path / "shared")}})
    sha = open_store(settings.blobs_dir).put_bytes(b"%PDF-1.7 shared")
    assert (tmp_path / "shared" / sha[:2] / sha[2:4] / sha).read_bytes() == b"%PDF-1.7 shared"
    assert not (tmp_path / "var" / "blobs").exists()
    assert config.load(overrides={"app": {"data_dir": str(tmp_path / "var")}}).blobs_dir == tmp_path / "var" / "blobs"
