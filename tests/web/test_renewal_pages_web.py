"""The renewal runs' pages: the clerk, the auditor and the administrator read the ward's runs and reports; the
clerk and the administrator start a run, which runs as a job and leaves its report; everyone else is refused."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from docflow import db
from docflow.models import RenewalRun, Role
from docflow.services import renewal
from docflow.services.demo import DEMO_PASSWORD
from docflow.web.outgoing import JOB_THREADS
from tests.conftest import WebClient
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture
from tests.services.renewal.helpers import issued_short, savepoint


@pytest.fixture
def run(app, db_session, signing_settings, store, ward, make_user) -> Any:
    with app.app_context():
        document = issued_short(db_session, signing_settings, store, ward, make_user)
        done = renewal.renew_issued(transaction=savepoint(db_session), settings=signing_settings, store=store,
                                    actor_id=ward.clerk.id)
    return done, document


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN, Role.CLERK])
def test_R52_the_runs_and_their_reports_are_read_by_clerk_auditor_and_admin(client, make_user, run, role):
    done, document = run
    client.login(make_user(role))

    listing = client.get("/archive/renewals").get_data(as_text=True)
    report = client.get(f"/archive/renewals/{done.id}").get_data(as_text=True)

    assert 'data-testid="renewal-run"' in listing
    assert document.number_symbol in report and 'data-outcome="renewed"' in report
    assert ('data-testid="renewal-form"' in listing) == (role is not Role.AUDITOR)


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.HEAD, Role.LEADER])
def test_other_roles_may_neither_read_nor_start_a_run(client, make_user, run, role):
    done, _ = run
    client.login(make_user(role))

    assert client.get("/archive/renewals").status_code == 403
    assert client.get(f"/archive/renewals/{done.id}").status_code == 403
    assert client.post("/archive/renewals").status_code == 403


def test_the_auditor_may_not_start_a_run_and_an_unknown_run_is_not_found(client, make_user, run):
    client.login(make_user(Role.AUDITOR))

    assert client.post("/archive/renewals").status_code == 403
    assert client.get("/archive/renewals/999999").status_code == 404


def test_a_run_started_on_the_page_runs_as_a_job_and_keeps_its_report(committed_app: Flask):
    client = WebClient(committed_app.test_client())
    assert client.login("vanthu", DEMO_PASSWORD).status_code == 302
    with committed_app.app_context():
        before = db.get_session().execute(select(RenewalRun.id)).scalars().all()

    response = client.post("/archive/renewals", {"dry_run": "1"})
    assert response.status_code == 302
    response.close()    # the job is submitted once the response is done
    for running in list(committed_app.extensions.get(JOB_THREADS, {}).values()):
        running.thread.join(60)

    with committed_app.app_context():
        runs = db.get_session().execute(select(RenewalRun).where(RenewalRun.id.not_in(before))).scalars().all()
    assert len(runs) == 1 and runs[0].dry_run and runs[0].finished_at is not None
    assert 'data-testid="renewal-run"' in client.get("/archive/renewals").get_data(as_text=True)


def test_R52_docflow_s_own_daily_run_is_listed_as_docflow_s(client, app, db_session, signing_settings, store, ward,
                                                           make_user):
    with app.app_context():
        issued_short(db_session, signing_settings, store, ward, make_user)
        midnight = dataclasses.replace(signing_settings,
                                       archive=dataclasses.replace(signing_settings.archive, renew_at="00:00"))
        [done] = renewal.run_scheduled(transaction=savepoint(db_session), settings=midnight, store=store)
    client.login(ward.clerk)

    listing = client.get("/archive/renewals").get_data(as_text=True)
    report = client.get(f"/archive/renewals/{done.id}").get_data(as_text=True)

    assert done.started_by_id is None and done.renewed == 1
    assert "docflow (tự động hằng ngày)" in listing and 'data-outcome="renewed"' in report
