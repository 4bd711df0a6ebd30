"""`docflow escalate` (the daily run) also reminds the handlers of petitions near their deadline to draft the
apology letter (R68), once per deadline; `docflow report petitions` gives the citizens' figures (R72)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from docflow.commands.deadlines import escalate
from docflow.commands.report import report
from docflow.config import local_date
from docflow.models import Notification, utc_now
from docflow.services.petitions import answer_with_text, rate_answer
from docflow.services.petitions.apology import APOLOGY_DUE
from tests.cli.inprocess import in_process
from tests.services.petitions.wardset import PHONE, PetitionWard, assigned, build_pward


@pytest.fixture
def pward(make_department: Any, make_user: Any) -> PetitionWard:
    return build_pward(make_department, make_user)


def test_r68_the_daily_escalate_run_reminds_the_handler_once(app, db_session, org, pward):
    settings = app.extensions["docflow.settings"]
    petition = assigned(db_session, settings, org, pward)
    petition.deadline = petition.first_deadline = local_date(settings, utc_now())
    db_session.flush()
    run = in_process(app, escalate)  # type: ignore[arg-type]
    first = run()
    assert first.exit_code == 0 and "1 petition(s) due an apology letter" in first.output
    assert "0 petition(s) due an apology letter" in run().output
    notices = db_session.execute(select(Notification).where(Notification.user_id == pward.handler.id,
                                                            Notification.message == APOLOGY_DUE)).all()
    assert len(notices) == 1


def test_r72_docflow_report_petitions_gives_the_on_time_and_satisfaction_shares(app, db_session, org, pward):
    settings = app.extensions["docflow.settings"]
    answered = assigned(db_session, settings, org, pward)
    answer_with_text(db_session, actor=pward.handler, petition_id=answered.id, text="Đã xử lý.", settings=settings)
    rate_answer(db_session, organisation_id=org.id, code=answered.receipt_code, phone=PHONE, rating=4)
    late = assigned(db_session, settings, org, pward)
    late.deadline = late.first_deadline = local_date(settings, utc_now()) - timedelta(days=2)
    db_session.flush()
    result = in_process(app, report)("petitions", "--json")
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)["rows"][0]
    assert (row["received"], row["answered_on_time"], row["open_overdue"]) == (2, 1, 1)
    assert (row["on_time_rate"], row["satisfaction_rate"]) == (50.0, 100.0)
