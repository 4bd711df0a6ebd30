"""`docflow archive renew` and `docflow archive transfer`, run in-process on the test database: a dry run changes
nothing, a run renews the due issued version and prints its report (JSON too), a second run finds nothing due; a
transfer writes a package `docflow archive verify` accepts, and a refused one says why and writes nothing."""

from __future__ import annotations

import json

import pytest

from docflow.commands.archive import archive
from docflow.models import Role
from docflow.services.audit import CHECKPOINTER
from docflow.services.keys import root_certificates_pem
from tests.cli.inprocess import in_process
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture
from tests.services.records.transfer_helpers import YEAR, checkpointer, closed_year, with_organ_id  # noqa: F401
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


@pytest.fixture
def command_checkpointer(app, checkpointer):
    """The command's own session signs checkpoints (and the manifest) with the test's system key."""
    app.extensions["docflow.sessionmaker"].configure(info={CHECKPOINTER: checkpointer})
    return checkpointer


def test_transfer_writes_the_package_that_verify_accepts(invoke, app, db_session, signing_settings, store, ward,
                                                         command_checkpointer, monkeypatch, tmp_path):
    settings = with_organ_id(signing_settings)
    monkeypatch.setitem(app.extensions, "docflow.settings", settings)
    with app.app_context():
        closed_year(db_session, settings, store, ward)
    out, root = tmp_path / "nop-luu-2026.zip", tmp_path / "root.pem"
    root.write_bytes(root_certificates_pem(settings)[0])

    done = invoke("transfer", "--year", str(YEAR), "--user", ward.clerk.username, "--out", str(out))

    assert done.exit_code == 0, done.output
    assert "1 file(s), 2 document(s), manifest SHA-256" in done.output and out.exists()
    checked = invoke("verify", str(out), "--trust-root", str(root))
    assert checked.exit_code == 0 and "VALID / HỢP LỆ" in checked.output, checked.output


def test_a_refused_transfer_says_why_and_writes_nothing(invoke, app, db_session, signing_settings, store, ward,
                                                        checkpointer, monkeypatch, tmp_path):
    settings = with_organ_id(signing_settings)
    monkeypatch.setitem(app.extensions, "docflow.settings", settings)
    with app.app_context():
        closed_year(db_session, settings, store, ward, close=False)
    out = tmp_path / "nop-luu-2026.zip"

    still_open = invoke("transfer", "--year", str(YEAR), "--user", ward.clerk.username, "--out", str(out))
    chairman = invoke("transfer", "--year", str(YEAR), "--user", ward.chairman.username, "--out", str(out))
    nobody = invoke("transfer", "--year", str(YEAR), "--user", "nobody", "--out", str(out))

    assert still_open.exit_code == 1 and "01.VP" in still_open.output and "--only-closed" in still_open.output
    assert chairman.exit_code == 1 and "clerk or the administrator" in chairman.output
    assert nobody.exit_code == 1 and "no user named nobody" in nobody.output
    assert not out.exists() and "Traceback" not in still_open.output + chairman.output
