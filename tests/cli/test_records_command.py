"""`docflow records plan|copy-plan|appraisal`, run in-process on a rolled-back ward."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from docflow.commands.records import records_group
from docflow.models import Role
from docflow.services import records
from tests.cli.inprocess import in_process
from tests.services.records.helpers import NOW, open_file, planned_file


@pytest.fixture
def invoke(app, db_session, org):
    return in_process(app, records_group)


def test_plan_prints_the_years_headings_and_files_as_json_and_text(invoke, db_session, make_user):
    clerk = make_user(Role.CLERK)
    planned_file(db_session, actor=clerk, year=2026, retention=None)

    data = json.loads(invoke("plan", "--year", "2026", "--json").output)
    text = invoke("plan", "--year", "2026").output

    [heading] = data["headings"]
    assert heading["files"][0]["code"] == "01.VP" and heading["files"][0]["retention"] == "Vĩnh viễn"
    assert "01.VP" in text and "not approved yet" in text
    assert invoke("plan", "--year", "2031").output.strip() == "No file plan for 2031."


def test_copy_plan_starts_next_years_plan_as_the_named_user(invoke, db_session, make_user):
    clerk = make_user(Role.CLERK)
    planned_file(db_session, actor=clerk, year=2026)

    result = invoke("copy-plan", "--from", "2026", "--to", "2027", "--user", clerk.username)

    assert result.exit_code == 0 and "1 headings, 1 files" in result.output
    refused = invoke("copy-plan", "--from", "2026", "--to", "2027", "--user", clerk.username)
    assert refused.exit_code == 1 and "has headings already" in refused.output
    official = make_user(Role.OFFICIAL)
    assert invoke("copy-plan", "--from", "2026", "--to", "2028", "--user", official.username).exit_code == 1
    assert invoke("copy-plan", "--from", "2026", "--to", "2028", "--user", "nobody").exit_code == 1


def test_appraisal_lists_files_past_their_retention(invoke, db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    record = open_file(db_session, actor=clerk, retention=1)
    document = make_document(clerk, document_date=date(2020, 1, 2))
    records.add_document(db_session, actor=clerk, file_id=record.id, document_id=document.id, now=NOW)
    records.close_file(db_session, actor=clerk, file_id=record.id, tz=ZoneInfo("Asia/Ho_Chi_Minh"), now=NOW)

    data = json.loads(invoke("appraisal", "--json").output)

    assert [f["code"] for f in data["files"]] == ["01.VP"]
    assert data["files"][0]["retention_ended"] == "2021-01-02"
    assert "01.VP" in invoke("appraisal").output
