"""One PDF page rendered to a grayscale image for OCR (pypdfium2), in a child process under CPU-time and
address-space limits: the page comes from an uploaded file, and the worker that renders it runs inside the
app process (`docflow run`), which a hostile page must not crash or exhaust."""

from __future__ import annotations

from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pypdfium2

from docflow.ocr.child import ChildLimits, limited_child

MAX_PIXELS = 50_000_000   # an A4 page at 300 dpi is 8.7 million; a poster page is rendered at a lower dpi


class RenderError(Exception):
    """The page could not be rendered; the message says why in plain words (it is kept on the task)."""


@dataclass(frozen=True)
class RenderLimits(ChildLimits):
    """What rendering one page may use."""
    cpu_seconds: int = 30
    memory_mb: int = 1024


def render_page(pdf: Path, page_no: int, out: Path, *, dpi: int, limits: RenderLimits = RenderLimits()) -> None:
    """Write page ``page_no`` (1-based) of ``pdf`` to ``out`` as an 8-bit grayscale PGM at ``dpi``.

    Raises RenderError (no such page, unreadable, or a limit ended the child)."""
    answer: tuple[str, str] | None = None
    with limited_child(_child_main, (str(pdf), page_no, str(out), dpi), limits) as (pipe, end):
        answer = pipe.receive()
    if answer is None:
        raise RenderError(f"rendering the page was ended by a limit (exit code {end.exitcode})")
    if answer[0] != "ok":
        raise RenderError(answer[1])


def _child_main(sender: Connection, pdf: str, page_no: int, out: str, dpi: int) -> None:
    try:
        try:
            _render(Path(pdf), page_no, Path(out), dpi)
            sender.send(("ok", ""))
        except MemoryError:
            pass  # nothing sent: the parent says a limit ended it
        except Exception as exc:  # pdfium's errors on a damaged file are plain exceptions of many kinds
            sender.send(("error", f"the page cannot be rendered: {type(exc).__name__}: {exc}"[:300]))
    finally:
        sender.close()


def _render(pdf: Path, page_no: int, out: Path, dpi: int) -> None:
    # pdfium is loaded in the app process too (docflow.ocr.layer) and in the fork server, which preloads
    # docflow.pdfcheck (docflow.ocr.child): each child has it already; only rendering happens here.
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        if not 1 <= page_no <= len(document):
            raise ValueError(f"the PDF has no page {page_no}")
        page = document[page_no - 1]
        width, height = page.get_size()
        scale = min(dpi / 72, (MAX_PIXELS / max(width * height, 1.0)) ** 0.5)
        bitmap = page.render(scale=scale, grayscale=True, fill_color=(255, 255, 255, 255))
        _write_pgm(out, bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride, bitmap.n_channels)
    finally:
        document.close()


def _write_pgm(out: Path, buffer: bytes, width: int, height: int, stride: int, channels: int) -> None:
    # PGM is tesseract's (leptonica's) plainest input: a header and the rows, no encoder needed.
    if channels != 1:
        raise ValueError(f"pdfium rendered {channels} channels, not grayscale")
    with out.open("wb") as fh:
        fh.write(f"P5\n{width} {height}\n255\n".encode("ascii"))
        if stride == width:
            fh.write(buffer[:width * height])
            return
        view = memoryview(buffer)
        for row in range(height):
            fh.write(view[row * stride: row * stride + width])
