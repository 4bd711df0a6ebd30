"""The petition page asks whether THIS petition is due an apology (R68) with one query: it no longer loads
every ward's due petitions, each with a query of its own, to answer for one."""

from __future__ import annotations

from typing import Any

import pytest

from docflow.config import local_date
from docflow.models import Organisation, utc_now
from tests.querycount import count_queries
from tests.services.petitions.wardset import PetitionWard, assigned, build_pward, submit


@pytest.fixture
def pward(make_department: Any, make_user: Any) -> PetitionWard:
    return build_pward(make_department, make_user)


def _due_today(db_session: Any, settings: Any, petition: Any) -> None:
    petition.deadline = petition.first_deadline = local_date(settings, utc_now())
    db_session.flush()


def test_r68_the_petition_page_asks_about_its_own_apology_in_queries_that_do_not_grow(
        app, client, db_session, org, pward):
    settings = app.extensions["docflow.settings"]
    petition = assigned(db_session, settings, org, pward)
    _due_today(db_session, settings, petition)
    db_session.commit()
    client.login(pward.handler)
    url = f"/petitions/{petition.id}"
    first = client.get(url)
    assert first.status_code == 200 and 'border-warning" data-testid="apology-form"' in first.get_data(as_text=True)
    small = count_queries(app, lambda: client.get(url))
    other = Organisation(name="UBND phường Bên Cạnh", code="BC")
    db_session.add(other)
    db_session.flush()
    for _ in range(8):
        _due_today(db_session, settings, submit(db_session, settings, org))
        _due_today(db_session, settings, submit(db_session, settings, other))
    db_session.commit()
    page = client.get(url)
    assert 'border-warning" data-testid="apology-form"' in page.get_data(as_text=True)
    assert count_queries(app, lambda: client.get(url)) == small
