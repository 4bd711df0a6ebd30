"""The Annex I format check (Decree 30/2020/NĐ-CP): reads a PDF with pdfplumber and lists what breaks the
page's form (national title and motto, issuing body, number line and symbol, place and date, type line or
V/v, Nơi nhận and Lưu: VT, fonts, sizes, margins, the rule under the motto, what page 1 must hold).

Pure: bytes and plain values in, findings out; no database, no Flask."""

from docflow.formatcheck.check import CheckResult, check_pdf
from docflow.formatcheck.context import Expectation
from docflow.formatcheck.findings import (
    ALL_CODES,
    BLOCKING_BY_DEFAULT,
    CODE_LABELS,
    WARNING_BY_DEFAULT,
    Finding,
)

__all__ = ["ALL_CODES", "BLOCKING_BY_DEFAULT", "CODE_LABELS", "WARNING_BY_DEFAULT", "CheckResult", "Expectation",
           "Finding", "check_pdf"]
