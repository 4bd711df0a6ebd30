"""A word-processing file to PDF/A-2b with LibreOffice in headless mode: one ``soffice`` process per
conversion, in a fresh temporary profile and working directory (removed afterwards), ended with its whole
process group when it passes the time limit. The result is accepted only when its XMP metadata says
PDF/A-2b and docflow's own PDF check reads it."""

from __future__ import annotations

import functools
import io
import logging
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docflow.config import ConvertSettings
from docflow.convert.office import SourceKind
from docflow.errors import N_, DocflowError, ValidationError

log = logging.getLogger(__name__)

# LibreOffice 7.4 takes the export filter's options as JSON after the filter name (--convert-to
# "pdf:writer_pdf_Export:{...}"): SelectPdfVersion 2 is PDF/A-2b. Form controls of the file are not
# exported: the only form fields of a draft are the ones docflow places (a control named so_ky_hieu in the
# Word file must not become the field the clerk fills).
PDFA2B_FILTER = ('pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"},'
                 '"ExportFormFields":{"type":"boolean","value":"false"}}')

MSG_MISSING = N_("LibreOffice (soffice) is not installed on the server at %(path)s, so Word files cannot be "
                 "converted. Ask the administrator to install it (package libreoffice-writer-nogui) or to set "
                 "convert.soffice_path; meanwhile upload a PDF.")
MSG_FAILED = N_("LibreOffice could not convert the Word file to PDF. Open it in Word or LibreOffice, save it "
                "again as .docx or .odt and upload that, or upload a PDF.")
MSG_TIMEOUT = N_("Converting the Word file took longer than %(seconds)s seconds and was stopped. Simplify the "
                 "file (large images, many pages) or upload a PDF.")
MSG_NOT_PDFA = N_("The converted PDF is not PDF/A-2b; the file was not accepted.")


class ConverterMissingError(DocflowError):
    """The server has no LibreOffice: a configuration problem the administrator fixes, said clearly."""
    status_code = 503


@dataclass(frozen=True)
class Converted:
    pdf: bytes
    seconds: float


@functools.cache
def _slots(count: int) -> threading.BoundedSemaphore:
    # LibreOffice takes a core and ~200 MB per run: uploads beyond ``count`` wait for a free slot.
    return threading.BoundedSemaphore(count)


def convert_to_pdfa(data: bytes, kind: SourceKind, settings: ConvertSettings = ConvertSettings()) -> Converted:
    """The file as PDF/A-2b bytes, with how long LibreOffice took.

    Raises ConverterMissingError (no soffice), ValidationError (failed, timed out, not PDF/A-2b).
    """
    soffice = settings.soffice_path
    if not soffice_available(soffice):
        raise ConverterMissingError(MSG_MISSING, path=str(soffice))
    with _slots(max(1, settings.concurrency)), tempfile.TemporaryDirectory(prefix="docflow-convert-") as tmp:
        work = Path(tmp)
        source = work / f"draft.{kind.value}"
        source.write_bytes(data)
        started = time.monotonic()
        _run(soffice, work, source, settings.timeout_seconds)
        seconds = time.monotonic() - started
        result = work / "out" / "draft.pdf"
        if not result.is_file() or result.stat().st_size == 0:
            raise ValidationError(MSG_FAILED, field="file")
        pdf = result.read_bytes()
    if pdfa_identification(pdf) != ("2", "B"):
        raise ValidationError(MSG_NOT_PDFA, field="file")
    log.info("converted a %s of %d bytes to PDF/A-2b in %.2f s", kind.value, len(data), seconds)
    return Converted(pdf=pdf, seconds=seconds)


def _run(soffice: Path, work: Path, source: Path, timeout: int) -> None:
    """soffice in its own process group and profile; the group is killed when the time limit passes."""
    command = [str(soffice), f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--invisible",
               "--norestore", "--nolockcheck", "--nodefault", "--nologo", "--convert-to", PDFA2B_FILTER,
               "--outdir", str(work / "out"), str(source)]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "LANG": "C.UTF-8",
           "TMPDIR": str(work), "SAL_USE_VCLPLUGIN": "svp"}
    with subprocess.Popen(command, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, start_new_session=True) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise ValidationError(MSG_TIMEOUT, field="file", seconds=timeout) from None
        finally:
            # a helper LibreOffice forked into the group must not outlive the conversion either
            _kill_group(process)
    if process.returncode != 0:
        log.warning("soffice exited with %s: %s", process.returncode, output[-2000:].decode(errors="replace"))
        raise ValidationError(MSG_FAILED, field="file")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.wait()


_PART = re.compile(rb"pdfaid:part(?:>|=\")\s*(\d)")
_CONFORMANCE = re.compile(rb"pdfaid:conformance(?:>|=\")\s*([ABUabu])")


def pdfa_identification(pdf: bytes) -> tuple[str, str] | None:
    """(part, conformance) from the XMP metadata stream of the PDF's catalogue, e.g. ("2", "B"); None when
    the document declares no PDF/A identification."""
    from pypdf import PdfReader  # pypdf at first use (the CLI imports the services at start-up)
    from pypdf.errors import PyPdfError
    try:
        metadata: Any = PdfReader(io.BytesIO(pdf), strict=False).root_object.get("/Metadata")
        xmp = metadata.get_object().get_data() if metadata is not None else b""
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError):
        return None
    part, conformance = _PART.search(xmp), _CONFORMANCE.search(xmp)
    if part is None or conformance is None:
        return None
    return part.group(1).decode(), conformance.group(1).decode().upper()


def soffice_available(path: Path) -> bool:
    """Whether ``path`` is an executable file (the tests that need LibreOffice skip without it)."""
    return path.is_file() and os.access(path, os.X_OK)
