"""CSV for spreadsheets: every CSV docflow writes goes through ``writer`` so that no cell runs as a formula.

A cell beginning with = + - @, a tab or a carriage return is read by Excel and LibreOffice as a formula
(=HYPERLINK(...) sends the reader to an attacker's site; DDE formulas run programs). Such a cell gets a
leading single quote, as OWASP's "CSV Injection" advice says: the spreadsheet shows the text as typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """The cell's text, with a leading ' when a spreadsheet would otherwise read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """csv.writer whose rows are neutralised cell by cell."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([neutralise(cell) for cell in row])


def writer(out: TextIO) -> SafeWriter:
    return SafeWriter(out)


def csv_bytes(header: Iterable[object], rows: Iterable[Iterable[object]]) -> bytes:
    """A whole CSV file for spreadsheets: UTF-8 with a byte-order mark (Excel then reads Vietnamese
    correctly), ``header`` first, every cell neutralised."""
    out = io.StringIO()
    out.write("\ufeff")
    csv_writer = writer(out)
    for row in (header, *rows):
        csv_writer.writerow(row)
    return out.getvalue().encode("utf-8")
