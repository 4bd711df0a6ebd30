"""Check that an uploaded file really is a readable, unencrypted PDF before it becomes a version.

The parse runs in a child process under CPU-time, address-space and page-count limits: a hostile PDF (a
page tree of 100,000 pages, a /Count of a billion, a decompression bomb) can exhaust the child, never the
app process, and the memory it took goes back to the system when the child ends. The child also reports
active content (JavaScript, launch actions, embedded files): such a PDF is accepted as evidence, but
flagged, and never shown inline. Asked to, the same child then reads each page's text layer (docflow.ocr):
after its verdict is sent, so a file whose text cannot be read still passes, only without its text.
"""

from __future__ import annotations

import functools
import logging
import tempfile
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from docflow.errors import N_, ValidationError
from docflow.ocr import iter_text_layer
from docflow.ocr.child import ChildLimits, limited_child

log = logging.getLogger(__name__)

JAVASCRIPT = "javascript"
LAUNCH = "launch"
EMBEDDED_FILES = "embedded_files"
ACTIVE_CONTENT = (JAVASCRIPT, LAUNCH, EMBEDDED_FILES)

MSG_EMPTY = N_("The file is empty.")
MSG_NOT_PDF = N_("The file is not a PDF document.")
MSG_DAMAGED = N_("The PDF is damaged or cannot be read.")
MSG_ENCRYPTED = N_("The PDF is password-protected. Please upload a copy without a password.")
MSG_NO_PAGES = N_("The PDF has no pages.")
MSG_TOO_MANY_PAGES = N_("The PDF has too many pages (more than %(limit)s). Split it into smaller files.")
MSG_TOO_COMPLEX = N_("The PDF is too complex to check safely (it needs more than %(seconds)s seconds or "
                     "%(mb)s MB). Save or print it again as a simpler PDF and upload that.")


@dataclass(frozen=True)
class ParseLimits(ChildLimits):
    """What one upload's check may use (config [uploads]: parse_cpu_seconds, parse_memory_mb, max_pages,
    parse_concurrency)."""
    cpu_seconds: int = 20
    memory_mb: int = 512
    max_pages: int = 2000
    concurrency: int = 2


@dataclass(frozen=True)
class PdfInfo:
    page_count: int
    active_content: tuple[str, ...] = ()
    # Each page's text layer, when asked for (None when not); a page whose text could not be read within the
    # limits (and every page after it) is None.
    page_texts: tuple[str | None, ...] | None = None


def check_pdf(path: Path, limits: ParseLimits = ParseLimits(), *, read_text: bool = False) -> PdfInfo:
    """Parse the file in a limited child process; raise ValidationError with a clear message when it is
    not usable (empty, not a PDF, damaged, encrypted, no pages, too many pages, too complex). With
    ``read_text``, the same child also reads each page's text layer (``PdfInfo.page_texts``)."""
    size = path.stat().st_size
    if size == 0:
        raise ValidationError(MSG_EMPTY, field="file")
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        raise ValidationError(MSG_NOT_PDF, field="file")
    with _slots(max(1, limits.concurrency)):
        outcome, texts = _run_child(path, limits, read_text)
    if outcome is None:
        raise ValidationError(MSG_TOO_COMPLEX, field="file", seconds=limits.cpu_seconds, mb=limits.memory_mb)
    status, value = outcome
    if status == "refused":
        message, params = value
        raise ValidationError(message, field="file", **params)
    pages, flags = value
    return PdfInfo(page_count=pages, active_content=tuple(flags),
                   page_texts=(*texts, *[None] * (pages - len(texts))) if read_text and texts is not None else None)


def check_pdf_bytes(data: bytes, limits: ParseLimits = ParseLimits()) -> PdfInfo:
    """check_pdf for bytes held in memory (the verify page keeps no copy of what it checks)."""
    with tempfile.NamedTemporaryFile(prefix="docflow-check-", suffix=".pdf") as fh:
        fh.write(data)
        fh.flush()
        return check_pdf(Path(fh.name), limits)


@functools.cache
def _slots(count: int) -> threading.BoundedSemaphore:
    # At most ``count`` checks at once per app process: eight hostile uploads queue instead of taking
    # eight cores and eight times the memory limit.
    return threading.BoundedSemaphore(count)


def _run_child(path: Path, limits: ParseLimits, read_text: bool = False
               ) -> tuple[tuple[str, Any] | None, list[str] | None]:
    """The child's answer, or None when a limit ended it, and the pages' text when asked for and read. A
    child that failed with a Python error (a bug, not the file) raises RuntimeError here rather than
    blaming the file."""
    answer: tuple[str, Any] | None = None
    texts: list[str] = []
    with limited_child(_child_main, (str(path), limits.max_pages, read_text), limits) as (pipe, end):
        answer = pipe.receive()
        while read_text and answer is not None and answer[0] == "ok" and len(texts) < answer[1][0] \
                and (text := pipe.receive()) is not None:
            texts.append(text)
    exitcode = end.exitcode
    if answer is None and exitcode == 1:
        raise RuntimeError("the PDF check failed with an error (see the log above)")
    if answer is None:
        log.warning("PDF check ended by a limit (exit code %s)", exitcode)
    return answer, texts if read_text else None


def _child_main(sender: Connection, path: str, max_pages: int, read_text: bool = False) -> None:
    try:
        try:
            outcome: tuple[str, Any] = ("ok", _parse(Path(path), max_pages))
        except _Refused as refused:
            outcome = ("refused", (refused.message, refused.params))
        sender.send(outcome)
        if read_text and outcome[0] == "ok":
            for text in _text_layer(Path(path), outcome[1][0]):
                sender.send(text)
    except MemoryError:
        pass  # nothing (more) sent: without a verdict the parent answers "too complex"
    finally:
        sender.close()


def _text_layer(path: Path, pages: int) -> Iterator[str]:
    """Each page's text as it is read; it stops at a page pdfium cannot read (that page and the rest then
    go to OCR), and a page that exhausts the child's limits ends it with the pages before it already sent."""
    try:
        yield from iter_text_layer(path, max_pages=pages)
    except Exception as exc:  # pdfium's errors on a damaged file are plain exceptions of many kinds
        log.info("text layer unreadable: %s", type(exc).__name__)


# What pypdf raises, besides its own errors, on a damaged or hostile file.
_UNREADABLE = (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError, AssertionError)


class _Refused(Exception):
    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


def _parse(path: Path, max_pages: int) -> tuple[int, list[str]]:
    # pypdf reports every repaired oddity of a damaged file as a warning or a log line; the answer is ours.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            raise _Refused(MSG_ENCRYPTED)
        pages = _count_pages(reader.root_object["/Pages"], max_pages)
        flags = _active_content(reader)
    except (PdfReadError, PyPdfError, *_UNREADABLE) as exc:
        log.info("rejected unreadable PDF: %s", type(exc).__name__)
        raise _Refused(MSG_DAMAGED) from exc
    if pages < 1:
        raise _Refused(MSG_NO_PAGES)
    return pages, flags


def _count_pages(root: Any, max_pages: int) -> int:
    """The leaves of the page tree, walked without recursion and refused past ``max_pages``. A declared
    /Count past the limit is refused too: pyHanko and viewers believe it."""
    if "/Count" in root and int(root["/Count"]) > max_pages:
        raise _Refused(MSG_TOO_MANY_PAGES, limit=max_pages)
    count, seen, stack = 0, set(), [root]
    while stack:
        entry = stack.pop()
        ref = getattr(entry, "indirect_reference", None) or entry
        if hasattr(ref, "idnum"):
            if (ref.idnum, ref.generation) in seen:
                raise KeyError("the page tree has a cycle")
            seen.add((ref.idnum, ref.generation))
        node = entry.get_object()
        if "/Kids" not in node:
            count += 1
            if count > max_pages:
                raise _Refused(MSG_TOO_MANY_PAGES, limit=max_pages)
            continue
        # Kids stay unresolved until popped: a flat list of 100,000 pages is refused after max_pages reads.
        stack.extend(reversed(list(node["/Kids"])))
    return count


def _active_content(reader: Any) -> list[str]:
    """Which kinds of active content any object of the file carries, whether or not a viewer would reach
    it from the catalogue (every object is looked at: a hidden action is still a finding)."""
    found: set[str] = set()
    numbers = {(num, gen) for gen, table in reader.xref.items() for num in table}
    numbers |= {(num, 0) for num in reader.xref_objStm}
    for num, gen in sorted(numbers):
        try:
            obj = IndirectObject(num, gen, reader).get_object()
        except (PyPdfError, *_UNREADABLE):  # an object pypdf cannot read carries nothing we can name
            continue
        found.update(_flags_in(obj))
        if found.issuperset(ACTIVE_CONTENT):
            break
    return [flag for flag in ACTIVE_CONTENT if flag in found]


def _flags_in(obj: Any) -> Iterator[str]:
    """Flags of one object and its direct (not referenced) dictionaries and arrays, without recursion."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, ArrayObject):
            stack.extend(v for v in item if isinstance(v, (ArrayObject, DictionaryObject)))
            continue
        if not isinstance(item, DictionaryObject):
            continue
        action = item.get("/S")
        if "/JS" in item or action == "/JavaScript" or "/JavaScript" in item:
            yield JAVASCRIPT
        if action == "/Launch":
            yield LAUNCH
        if "/EmbeddedFiles" in item or "/EF" in item or item.get("/Type") == "/EmbeddedFile" \
                or item.get("/Subtype") == "/FileAttachment":
            yield EMBEDDED_FILES
        stack.extend(v for v in item.values() if isinstance(v, (ArrayObject, DictionaryObject)))
