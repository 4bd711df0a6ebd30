"""The one CSV writer: formula cells neutralised, and no CSV written any other way."""

from __future__ import annotations

import csv
import io

import pytest

from docflow import csvexport
from docflow.paths import PROJECT_ROOT

PACKAGE_ROOT = PROJECT_ROOT / "docflow"


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(cell):
    assert csvexport.neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["", "Công văn: =1", "05/2026", "UBND phường", " =1", 12, None])
def test_other_cells_are_written_as_they_are(cell):
    assert csvexport.neutralise(cell) == ("" if cell is None else str(cell))


def test_the_writer_neutralises_every_cell_of_a_row():
    out = io.StringIO()
    csvexport.writer(out).writerow(["=A1", "ok", "-3"])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=A1", "ok", "'-3"]


def test_no_module_writes_csv_except_through_the_helper():
    offenders = [str(path.relative_to(PACKAGE_ROOT)) for path in PACKAGE_ROOT.rglob("*.py")
                 if path.name != "csvexport.py" and ("csv.writer" in path.read_text() or "DictWriter" in path.read_text())]
    assert offenders == []
