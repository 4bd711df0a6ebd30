"""Check that an uploaded file really is a readable, unencrypted PDF before it becomes a version."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from docflow.errors import N_, ValidationError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PdfInfo:
    page_count: int


def check_pdf(path: Path) -> PdfInfo:
    """Parse the file with pypdf; raise ValidationError with a clear message when it is not usable."""
    size = path.stat().st_size
    if size == 0:
        raise ValidationError(N_("The file is empty."), field="file")
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        raise ValidationError(N_("The file is not a PDF document."), field="file")
    pypdf_log = logging.getLogger("pypdf")
    previous_level = pypdf_log.level
    try:
        # pypdf reports every repaired oddity of a damaged file as a warning; the answer here is ours.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pypdf_log.setLevel(logging.CRITICAL)
            try:
                reader = PdfReader(path, strict=False)
                if reader.is_encrypted:
                    raise ValidationError(
                        N_("The PDF is password-protected. Please upload a copy without a password."),
                        field="file")
                pages = len(reader.pages)
            finally:
                pypdf_log.setLevel(previous_level)
    except ValidationError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError,
            IndexError, RecursionError, OSError, AssertionError) as exc:
        log.info("rejected unreadable PDF: %s", type(exc).__name__)
        raise ValidationError(N_("The PDF is damaged or cannot be read."), field="file") from exc
    if pages < 1:
        raise ValidationError(N_("The PDF has no pages."), field="file")
    return PdfInfo(page_count=pages)
