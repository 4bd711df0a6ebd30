"""`docflow escalate` (the daily run) also reminds the handlers of petitions near their deadline to draft the
apology letter (R68), once per deadline."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from docflow.commands.deadlines import escalate
from docflow.config import local_date
from docflow.models import Notification, utc_now
from docflow.services.petitions.apology import APOLOGY_DUE
from tests.cli.inprocess import in_process
from tests.services.petitions.wardset import PetitionWard, assigned, build_pward


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
