"""CSV for spreadsheets: every CSV docflow writes goes through ``writer`` so that no cell runs as a formula.

A cell beginning with = + - @, a tab or a carriage return is read by Excel and LibreOffice as a formula
(=HYPERLINK(...) sends the reader to an attacker's site; DDE formulas run programs). Such a cell gets a
leading single quote, as OWASP's "CSV Injection" advice says: the spreadsheet shows the text as typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
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


def csv_chunks(header: Iterable[object], rows: Iterable[Iterable[object]], *, batch: int = 200) -> Iterator[bytes]:
    """A CSV file for spreadsheets, ``batch`` rows per piece (a long register streams): UTF-8 with a byte-order
    mark (Excel then reads Vietnamese correctly), ``header`` first, every cell neutralised."""
    out = io.StringIO()
    out.write("\ufeff")
    csv_writer = writer(out)
    csv_writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        csv_writer.writerow(row)
        if n % batch == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def csv_bytes(header: Iterable[object], rows: Iterable[Iterable[object]]) -> bytes:
    """csv_chunks as one whole file."""
    return b"".join(csv_chunks(header, rows))
