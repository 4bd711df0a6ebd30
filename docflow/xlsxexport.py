"""XLSX for spreadsheets, written in openpyxl's write-only mode (rows streamed, not held as cell objects).

Safe as csvexport is: a text cell that a spreadsheet would read as a formula (= + - @ tab CR) gets a leading
single quote and is written as text, never as a formula; characters XML cannot hold (controls a PDF's
text layer may carry) are dropped instead of failing the whole file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from docflow.csvexport import neutralise

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_CELL = 32_767      # Excel's limit on a cell's text


def workbook(header: Sequence[str], rows: Iterable[Sequence[object]], *, title: str = "Sheet1") -> bytes:
    """One sheet: ``header`` in bold, then ``rows``; numbers stay numbers, everything else is safe text."""
    book = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = book.create_sheet(title=title[:31])
    sheet.append([_cell(sheet, name, bold=True) for name in header])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet: WriteOnlyWorksheet, value: object, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell = WriteOnlyCell(sheet, value=value)
    else:
        cell = WriteOnlyCell(sheet, value=_NOT_XML.sub("", neutralise(value))[:MAX_CELL])
        cell.data_type = "s"     # text, even when openpyxl would guess a formula
    if bold:
        cell.font = Font(bold=True)
    return cell
