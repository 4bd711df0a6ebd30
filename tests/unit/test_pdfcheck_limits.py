"""The upload check in its limited child process: limits, page counting, active content, the parent's memory."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfWriter

from docflow import pdfcheck
from docflow.errors import ValidationError
from docflow.pdfcheck import ParseLimits, check_pdf, check_pdf_bytes
from tests.conftest import pdf_bytes
from tests.security.test_uploads_and_exports import (
    BILLION_PAGES,
    WITH_EMBEDDED_FILE,
    WITH_JAVASCRIPT,
    WITH_LAUNCH,
    one_page_pdf,
    raw_pdf,
)

def _many_pages(n: int) -> bytes:
    writer = PdfWriter()
    for _ in range(n):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_parse_past_its_cpu_time_is_ended_and_reads_as_too_complex():
    # about 3 s of parsing on this machine, loaded or not: three times the limit
    with pytest.raises(ValidationError) as exc:
        check_pdf_bytes(_many_pages(60_000), ParseLimits(cpu_seconds=1, max_pages=100_000))
    assert "too complex" in exc.value.message and exc.value.params == {"seconds": 1, "mb": 512}


def test_a_parse_past_its_memory_is_ended_and_reads_as_too_complex():
    # 16 MiB of address space is less than the interpreter itself holds: the parse cannot map any new memory.
    # 5,000 pages, not 50: a small parse can fit in what the forkserver's heap already holds free, and then
    # never asks the system for more (seen on a machine where 50 pages parsed under a 4 MiB limit).
    with pytest.raises(ValidationError) as exc:
        check_pdf_bytes(_many_pages(5000), ParseLimits(memory_mb=16))
    assert "too complex" in exc.value.message and exc.value.params == {"seconds": 20, "mb": 16}


def test_pages_are_counted_in_the_page_tree_not_taken_from_its_count():
    lying_low = raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 1 >>",
                        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * 3)
    assert check_pdf_bytes(lying_low).page_count == 3
    with pytest.raises(ValidationError) as exc:
        check_pdf_bytes(lying_low, ParseLimits(max_pages=2))
    assert exc.value.params == {"limit": 2}
    with pytest.raises(ValidationError):
        check_pdf_bytes(BILLION_PAGES)


@pytest.mark.parametrize(("content", "flags"), [
    pytest.param(pdf_bytes("plain"), (), id="plain"),
    pytest.param(WITH_JAVASCRIPT, ("javascript",), id="names-tree"),
    pytest.param(one_page_pdf(b"/OpenAction << /S /JavaScript /JS 4 0 R >>", b"", 1,
                              b"<< /Length 5 >>\nstream\nx=1;\nendstream"), ("javascript",), id="open-action"),
    pytest.param(one_page_pdf(b"", b"/AA << /O << /S /JavaScript /JS (x) >> >>"), ("javascript",), id="page-aa"),
    pytest.param(one_page_pdf(b"/Outlines 4 0 R", b"", 1, b"<< /First 5 0 R /Last 5 0 R >>",
                              b"<< /Title (a) /Parent 4 0 R /A << /S /Launch /F (x.exe) /Next << /S /JavaScript "
                              b"/JS (y) >> >> >>"), ("javascript", "launch"), id="outline-action-chain"),
    pytest.param(WITH_LAUNCH, ("launch",), id="launch"),
    pytest.param(WITH_EMBEDDED_FILE, ("embedded_files",), id="file-attachment"),
    pytest.param(one_page_pdf(b"/Names << /EmbeddedFiles << /Names [(a) 4 0 R] >> >>", b"", 1,
                              b"<< /Type /Filespec /F (a.txt) >>"), ("embedded_files",), id="embedded-files-tree"),
])
def test_active_content_is_found_wherever_it_is_put(content, flags):
    assert check_pdf_bytes(content).active_content == flags


def test_the_parse_never_runs_in_the_app_process(monkeypatch, tmp_path: Path):
    def in_this_process(*_args: object) -> None:
        raise AssertionError("parsed in the app process")
    monkeypatch.setattr(pdfcheck, "_parse", in_this_process)
    path = tmp_path / "f.pdf"
    path.write_bytes(pdf_bytes(pages=2))
    assert check_pdf(path).page_count == 2
