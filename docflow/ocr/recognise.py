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
    with RenderedPage(pdf, page_no, options) as page:
        return page.start().finish()


class RenderedPage:
    """A page rendered for OCR into a temporary folder (removed on exit), and tesseract reading it in the
    background: the worker renders the next page while tesseract reads this one (docflow.services.textindex)."""

    def __init__(self, pdf: Path, page_no: int, options: OcrOptions = OcrOptions()) -> None:
        self.options = options
        self._folder = tempfile.TemporaryDirectory(prefix="docflow-ocr-")
        self.image = Path(self._folder.name) / "page.pgm"
        self._process: subprocess.Popen[bytes] | None = None
        try:
            render_page(pdf, page_no, self.image, dpi=options.dpi, limits=options.render_limits)
        except RenderError as exc:
            self.close()
            raise OcrError(str(exc)) from None

    def __enter__(self) -> RenderedPage:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start(self) -> RenderedPage:
        """Start tesseract on the image. Raises OcrError when it is not installed."""
        try:
            self._process = subprocess.Popen(
                tesseract_command(self.image, language=self.options.language, executable=self.options.executable),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=tesseract_environment())
        except FileNotFoundError:
            raise OcrError(f"tesseract is not installed ({self.options.executable}): install tesseract-ocr and "
                           f"tesseract-ocr-{self.options.language}") from None
        return self

    def finish(self) -> str:
        """Wait for tesseract (at most the timeout from now); its text, NFC. Raises OcrError."""
        if self._process is None:
            self.start()
        process = self._process
        if process is None:   # for the type checker: start() set it or raised
            raise OcrError("tesseract did not start")
        try:
            out, err = process.communicate(timeout=self.options.timeout_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise OcrError(f"tesseract took longer than {self.options.timeout_seconds} s on this page") from None
        return _text_of(process.returncode, out, err)

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
        self._folder.cleanup()


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
    return _text_of(done.returncode, done.stdout, done.stderr)


def _text_of(returncode: int, out: bytes, err: bytes) -> str:
    if returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"tesseract failed (exit {returncode}): {detail[-1] if detail else ''}"[:300])
    return unicodedata.normalize("NFC", out.decode("utf-8", "replace")).strip()
