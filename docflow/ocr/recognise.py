"""OCR of one PDF page: render it (docflow.ocr.render) and read it with Debian's ``tesseract`` (package
tesseract-ocr with tesseract-ocr-vie), run as a program with a time limit, never through a shell."""

from __future__ import annotations

import os
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from docflow.ocr.render import RenderError, RenderLimits, render_page


class OcrError(Exception):
    """A page could not be read; the message is the reason kept on its task."""


@dataclass(frozen=True)
class OcrOptions:
    language: str = "vie"
    dpi: int = 300
    timeout_seconds: int = 120
    executable: str = "tesseract"
    render_limits: RenderLimits = field(default_factory=RenderLimits)


def recognise_page(pdf: Path, page_no: int, options: OcrOptions = OcrOptions()) -> str:
    """The text tesseract reads on page ``page_no`` (1-based) of ``pdf``, NFC. Raises OcrError."""
    with tempfile.TemporaryDirectory(prefix="docflow-ocr-") as folder:
        image = Path(folder) / "page.pgm"
        try:
            render_page(pdf, page_no, image, dpi=options.dpi, limits=options.render_limits)
        except RenderError as exc:
            raise OcrError(str(exc)) from None
        return run_tesseract(image, language=options.language, timeout_seconds=options.timeout_seconds,
                             executable=options.executable)


def tesseract_command(image: Path, *, language: str, executable: str = "tesseract") -> list[str]:
    """The command line docflow runs (the benchmark runs the same one, bare)."""
    return [executable, str(image), "stdout", "-l", language]


def tesseract_environment() -> dict[str, str]:
    # One thread per page: the worker shares the machine with the web server, and tesseract's OpenMP
    # threads make a page slower, not faster, on a busy two-core server.
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def run_tesseract(image: Path, *, language: str = "vie", timeout_seconds: int = 120,
                  executable: str = "tesseract") -> str:
    """Run tesseract on an image file; its text, NFC. Raises OcrError (missing, failed, too slow)."""
    try:
        done = subprocess.run(tesseract_command(image, language=language, executable=executable),
                              capture_output=True, timeout=timeout_seconds, check=False,
                              env=tesseract_environment())
    except FileNotFoundError:
        raise OcrError(f"tesseract is not installed ({executable}): install tesseract-ocr and "
                       f"tesseract-ocr-{language}") from None
    except subprocess.TimeoutExpired:
        raise OcrError(f"tesseract took longer than {timeout_seconds} s on this page") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"tesseract failed (exit {done.returncode}): {detail[-1] if detail else ''}"[:300])
    return unicodedata.normalize("NFC", done.stdout.decode("utf-8", "replace")).strip()
