"""`docflow report on-time|processing|issued`, run in-process on the hand-built ward (the figures are the
ones tests/services/reports/test_figures.py computes by hand)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from docflow.commands.report import report
from docflow.models import ReportMonth
from tests.cli.inprocess import in_process
from tests.services.reports.wardset import build_ward


@pytest.fixture
def invoke(app, db_session, org, make_department, make_user):
    build_ward(db_session, org, make_department, make_user)

    return in_process(app, report, ward=org.code)


YEAR_2026 = ("--from", "2026-01-01", "--to", "2026-12-31")


def test_on_time_as_json_per_department_month_and_total(invoke):
    result = invoke("on-time", *YEAR_2026, "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["from"] == "2026-01-01" and data["to"] == "2026-12-31" and data["department"] is None
    rows = {(r["group"], r["key"]): r for r in data["rows"]}
    assert rows[("department", "TP")]["on_time"] == 2 and rows[("department", "TP")]["on_time_rate"] == 66.67
    assert rows[("department", "VH")]["completed"] == 0 and rows[("department", "VH")]["on_time_rate"] is None
    assert rows[("month", "2026-02")]["completed"] == 2 and rows[("month", "2026-02")]["no_deadline"] == 1
    assert rows[("total", "")]["completed"] == 8 and rows[("total", "")]["on_time_rate"] == 71.43


def test_on_time_of_one_department_by_its_code_as_a_text_table(invoke):
    result = invoke("on-time", *YEAR_2026, "--department", "DC")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2026-01-01 – 2026-12-31"
    assert lines[1].split() == ["group", "key", "name", "completed", "with_deadline", "on_time", "late",
                                "no_deadline", "on_time_rate"]
    assert lines[2].split() == ["department", "DC", "Địa", "chính", "4", "4", "3", "1", "0", "75.0"]
    assert lines[-1].split() == ["total", "4", "4", "3", "1", "0", "75.0"]


def test_processing_as_csv(invoke):
    result = invoke("processing", *YEAR_2026, "--csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    total = rows[-1]
    assert total["group"] == "total" and total["completed"] == "8"
    assert float(total["median_days"]) == pytest.approx(666000 / 86400, abs=0.005)
    assert [r["key"] for r in rows[:-1]] == ["DC", "TP", "VH"]    # by name: Địa chính, Tư pháp, Văn hóa
    assert rows[2]["mean_days"] == ""                             # Văn hóa: no work, no mean


def test_issued_per_month_and_type(invoke):
    result = invoke("issued", "--from", "2026-01-01", "--to", "2026-03-31", "--json")

    data = json.loads(result.output)
    assert data["columns"] == ["month", "cong_van", "quyet_dinh", "thong_bao", "total"]
    assert data["rows"] == [
        {"month": "2026-01", "cong_van": 2, "quyet_dinh": 0, "thong_bao": 0, "total": 2},
        {"month": "2026-02", "cong_van": 0, "quyet_dinh": 1, "thong_bao": 0, "total": 1},
        {"month": "2026-03", "cong_van": 0, "quyet_dinh": 0, "thong_bao": 1, "total": 1},
        {"month": "total", "cong_van": 2, "quyet_dinh": 1, "thong_bao": 1, "total": 4}]


def test_without_dates_the_current_year_is_reported(invoke):
    from docflow.models import utc_now
    year = utc_now().year

    data = json.loads(invoke("issued", "--json").output)
    assert (data["from"], data["to"]) in {(f"{y}-01-01", f"{y}-12-31") for y in (year, year + 1)}


def test_an_unknown_department_or_a_reversed_period_is_one_clear_line(invoke):
    unknown = invoke("on-time", "--department", "XX")
    reversed_ = invoke("processing", "--from", "2026-05-01", "--to", "2026-04-01")

    assert unknown.exit_code == 1 and "XX" in unknown.output and "Traceback" not in unknown.output
    assert reversed_.exit_code == 1 and "end date" in reversed_.output


@pytest.mark.parametrize("dates", [("--from", "0001-01-01"), ("--to", "9999-12-31")])
def test_a_year_a_datetime_cannot_hold_is_one_clear_line(invoke, dates):
    result = invoke("on-time", *dates)

    assert result.exit_code == 1 and "1900" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("figure", ["on-time", "processing", "issued"])
def test_R49_the_report_keeps_the_closed_months_and_prints_the_same_figures_from_them(invoke, db_session, figure):
    first = invoke(figure, *YEAR_2026, "--json")
    kept = db_session.execute(select(ReportMonth.part, ReportMonth.month)).all()
    again = invoke(figure, *YEAR_2026, "--json")

    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    assert ("documents" if figure == "issued" else "work", "2026-01") in kept
    assert json.loads(again.output) == json.loads(first.output)
