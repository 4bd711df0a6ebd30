"""docflow.ocr on real files: the text layer read in the upload check's child, OCR's readable failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from docflow.ocr import OcrError, OcrOptions, has_usable_text, recognise_page, run_tesseract
from docflow.pdfcheck import check_pdf
from tests.hostilepdfs import FIRST_PAGE
from tests.ocrpdfs import SENTENCE, image_pdf, text_pdf


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("ocr")
    paths = {"text": folder / "text.pdf", "scan": folder / "scan.pdf"}
    paths["text"].write_bytes(text_pdf([f"{SENTENCE}, trang một.", "Trang hai."]))
    paths["scan"].write_bytes(image_pdf([SENTENCE]))
    return paths


def test_the_upload_check_reads_each_page_s_text_layer_only_when_asked(files):
    assert check_pdf(files["text"]).page_texts is None
    texts = check_pdf(files["text"], read_text=True).page_texts
    assert texts is not None and texts[0].startswith(SENTENCE) and texts[1] == "Trang hai."
    assert check_pdf(files["scan"], read_text=True).page_texts == ("",)


def test_a_page_with_a_handful_of_characters_is_not_usable_text():
    assert not has_usable_text("  12  ")
    assert not has_usable_text("Trang 3 / 10")
    assert has_usable_text(FIRST_PAGE)


def test_ocr_failures_are_errors_with_a_readable_reason(files, tmp_path):
    with pytest.raises(OcrError, match="no page 4"):
        recognise_page(files["scan"], 4)
    with pytest.raises(OcrError, match="not installed"):
        recognise_page(files["scan"], 1, OcrOptions(executable=str(tmp_path / "no-tesseract")))
    broken = tmp_path / "broken.pgm"
    broken.write_bytes(b"P5\n10 10\n255\n")
    with pytest.raises(OcrError, match="tesseract failed"):
        run_tesseract(broken)


def test_the_upload_check_and_the_ocr_render_share_one_fork_server_and_one_kind_of_limits():
    from multiprocessing import forkserver

    from docflow import pdfcheck
    from docflow.ocr import RenderLimits, child, render

    # Whichever starts it first (an upload or the OCR worker in `docflow run`), the fork server preloads the
    # check: one context, made in one place.
    assert child._context().get_start_method() == "forkserver"
    assert forkserver._forkserver._preload_modules == ["docflow.pdfcheck"]
    assert not hasattr(pdfcheck, "_context") and not hasattr(render, "_context")
    assert isinstance(RenderLimits(), child.ChildLimits) and isinstance(pdfcheck.ParseLimits(), child.ChildLimits)
    assert RenderLimits().wall_seconds == 65 and pdfcheck.ParseLimits(cpu_seconds=1).wall_seconds == 7
