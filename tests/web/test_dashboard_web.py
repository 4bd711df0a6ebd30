"""The dashboard page: each role's figures as charts with their numbers in a table beside each, the vendored
chart library (no CDN), the filters, and a print stylesheet."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from docflow.models import ReportMonth
from tests.services.reports.wardset import build_ward


@pytest.fixture
def ward(db_session, org, make_department, make_user):
    return build_ward(db_session, org, make_department, make_user)


def _cells(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = [re.findall(r'data-value="([^"]*)"', row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    return [row for row in rows if row]     # the header row has no values


def test_R49_the_chairman_sees_every_department_with_tables_beside_the_charts(client, ward):
    client.login(ward.leader)

    page = client.get("/dashboard/?from=2026-01-01&to=2026-12-31")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Thống kê" in html and 'data-nav="dashboard"' in html
    # Tư pháp: 4 completed, 2 on time, 1 late, 1 without a deadline, 66.7 % (shown 66,7 in Vietnamese)
    rows = _cells(html, "on-time-departments-table")
    assert ["4", "2", "1", "1", str(200 / 3)] in rows
    assert "66,7" in html
    for figure in ("on-time-departments", "on-time-months", "workload", "processing", "issued", "registered",
                   "turnaround"):
        assert f'data-chart-for="{figure}-table"' in html and f'id="{figure}-table"' in html
    assert re.search(r'<canvas role="img" aria-label="[^"]+"', html)
    assert "/static/vendor/chartjs/chart.umd.js" in html and "cdn" not in html.lower()


def test_the_page_has_no_inline_script_and_a_print_stylesheet(client, ward):
    client.login(ward.leader)
    html = client.get("/dashboard/").get_data(as_text=True)

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []     # the CSP allows 'self' scripts only
    css = client.get("/static/dashboard.css").get_data(as_text=True)
    assert "@media print" in css and "size: A4" in css
    library = client.get("/static/vendor/chartjs/chart.umd.js")
    assert library.status_code == 200 and b"Chart.js v4" in library.data[:200]


def test_a_head_sees_his_department_only_and_no_department_filter(client, ward):
    client.login(ward.head_tp)

    html = client.get("/dashboard/?from=2026-01-01&to=2026-12-31").get_data(as_text=True)

    assert 'name="department_id"' not in html
    assert "Địa chính" not in html and "Tư pháp" in html
    # the page counts against the real today, long after the March 2026 deadlines: all four are overdue
    assert _cells(html, "workload-table")[0] == ["4", "4", "0", "0"]


def test_an_official_sees_his_own_work_and_the_clerk_registration_and_issuing(client, ward):
    client.login(ward.official_tp)
    own = client.get("/dashboard/?from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    assert 'id="on-time-months-table"' in own and 'id="on-time-departments-table"' not in own
    assert 'data-testid="now-open">0<' in own

    client.logout()
    client.login(ward.clerk)
    clerk = client.get("/dashboard/?from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    assert 'id="registered-table"' in clerk and 'id="issued-table"' in clerk
    assert 'id="on-time-months-table"' not in clerk and 'id="workload-table"' not in clerk


def test_the_chairman_filters_by_department_and_period(client, ward):
    client.login(ward.leader)

    html = client.get(f"/dashboard/?from=2026-02-01&to=2026-02-28&department_id={ward.tp.id}").get_data(as_text=True)

    assert _cells(html, "on-time-months-table") == [["0", "0", "1", ""]]     # A3, no deadline: no rate
    assert _cells(html, "issued-table")[0] == ["1", "1"]


def test_a_reversed_period_is_a_clear_error(client, ward):
    client.login(ward.leader)

    page = client.get("/dashboard/?from=2026-05-01&to=2026-04-01")

    assert page.status_code == 400


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=9999-12-31", "from=0001-01-01&to=2026-01-31",
                                   "from=1899-12-31&to=1900-01-31"])
def test_a_year_a_datetime_cannot_hold_is_a_clear_error(client, ward, query):
    client.login(ward.leader)

    page = client.get(f"/dashboard/?{query}")

    assert page.status_code == 400 and "1900" in page.get_data(as_text=True)


def test_a_period_longer_than_five_years_is_a_clear_error(client, ward):
    client.login(ward.leader)

    assert client.get("/dashboard/?from=2021-01-01&to=2025-12-31").status_code == 200     # 60 months
    assert client.get("/dashboard/?from=2021-01-01&to=2026-01-01").status_code == 400     # 61 months


def test_R49_the_first_request_keeps_the_closed_months_and_the_next_shows_the_same_figures(client, ward,
                                                                                           db_session):
    client.login(ward.leader)

    first = client.get("/dashboard/?from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    kept = db_session.execute(select(ReportMonth.part, ReportMonth.month).where(
        ReportMonth.organisation_id == ward.org.id)).all()
    again = client.get("/dashboard/?from=2026-01-01&to=2026-12-31").get_data(as_text=True)

    # the clock is past the ward's months: January 2026 (and every other closed month) is kept, both parts
    assert ("work", "2026-01") in kept and ("documents", "2026-01") in kept
    assert _cells(again, "on-time-departments-table") == _cells(first, "on-time-departments-table")
    assert _cells(again, "processing-table") == _cells(first, "processing-table")
    assert _cells(again, "turnaround-table") == _cells(first, "turnaround-table")
