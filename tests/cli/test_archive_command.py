"""`docflow archive renew`, run in-process on the test database: a dry run changes nothing, a run renews the
due issued version and prints its report (JSON too), a second run finds nothing due."""

from __future__ import annotations

import json

import pytest

from docflow.commands.archive import archive
from docflow.models import Role
from tests.cli.inprocess import in_process
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture
from tests.services.renewal.helpers import issued_short


@pytest.fixture
def invoke(app, db_session):
    return in_process(app, archive)


def test_R52_the_command_renews_what_is_due_once(invoke, app, db_session, signing_settings, store, ward, make_user):
    with app.app_context():
        document = issued_short(db_session, signing_settings, store, ward, make_user)
    versions = len(document.versions)

    dry = invoke("renew", "--user", ward.clerk.username, "--dry-run", "--json")
    db_session.expire_all()
    assert dry.exit_code == 0 and json.loads(dry.output)["renewed"] == 1 and len(document.versions) == versions

    done = invoke("renew", "--user", ward.clerk.username)
    assert done.exit_code == 0, done.output
    assert "1 renewed, 0 not due, 0 failed" in done.output and f"-> v{versions + 1}" in done.output

    again = json.loads(invoke("renew", "--user", ward.clerk.username, "--json").output)
    assert (again["renewed"], again["not_due"]) == (0, 1)
    db_session.expire_all()
    assert [v.is_renewal for v in document.versions].count(True) == 1


def test_an_unknown_user_or_one_who_may_not_renew_is_refused(invoke, make_user):
    assert "no user named nobody" in invoke("renew", "--user", "nobody").output
    result = invoke("renew", "--user", make_user(Role.OFFICIAL).username)
    assert result.exit_code == 1 and "Error" in result.output
