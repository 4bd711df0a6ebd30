"""The services run on docflow.appctx alone: no Flask app, no request, not even Flask imported."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import flask
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow import appctx, bootstrap, config, db, migrations, unit_of_work
from docflow.appctx import AppContext
from docflow.models import Notification, Role, User
from docflow.paths import PROJECT_ROOT
from docflow.services.notifications import MailOutbox, notify, unread_count
from docflow.services.people import ensure_organisation

MESSAGE = "A new document needs you: %(document)s."


@pytest.fixture(scope="module")
def context(database_factory: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[AppContext]:
    """A migrated database and its context, made from settings alone: no create_app, no app context."""
    data = tmp_path_factory.mktemp("no-flask")
    settings = config.load(overrides={"app": {"mode": "testing", "data_dir": str(data),
                                              "keys_dir": str(data / "keys")},
                                      "database": {"url": database_factory("noflask")}})
    made = bootstrap.open_context(settings)
    migrations.upgrade(made.engine)
    yield made
    made.engine.dispose()


def _official(s: Session) -> User:
    org = ensure_organisation(s, name="UBND phường Không Flask")
    name = f"official-{uuid.uuid4().hex[:8]}"
    user = User(organisation_id=org.id, username=name, full_name=f"Bà {name}", role=Role.OFFICIAL,
                password_hash="x", email=f"{name}@tichson.example")
    s.add(user)
    s.flush()
    return user


def test_a_service_runs_and_commits_in_a_bound_context_without_any_flask_app(context):
    with appctx.bound(context):
        assert not flask.has_app_context()
        assert appctx.settings() is context.settings and appctx.store() is context.store
        with db.transaction() as s:
            user = _official(s)
            notify(s, users=[user], document=None, message=MESSAGE, params={"document": "1/UBND"}, urgent=True)
            outbox = [c for c in s.info.get(unit_of_work.AFTER_COMMIT, []) if isinstance(c, MailOutbox)]
            assert len(outbox) == 1 and outbox[0].notices[0].to == user.email
        assert unread_count(db.get_session(), user) == 1
        assert unit_of_work.AFTER_COMMIT not in db.get_session().info   # the outbox ran and was dropped
    with Session(context.engine) as other:
        assert other.scalar(select(func.count()).select_from(Notification)
                            .where(Notification.user_id == user.id)) == 1


def test_after_commit_work_runs_only_when_the_transaction_commits(context):
    ran: list[str] = []
    with Session(context.engine) as session:
        with pytest.raises(RuntimeError, match="refused"):
            with unit_of_work.transaction(session) as s:
                unit_of_work.after_commit(s, lambda: ran.append("rolled back"))
                unit_of_work.outlive_rollback(s, lambda s: ran.append("outlived"))
                raise RuntimeError("refused")
        with unit_of_work.transaction(session) as s:
            unit_of_work.after_commit(s, lambda: ran.append("committed"))
    assert ran == ["outlived", "committed"]


def test_unbound_code_is_told_there_is_no_context():
    with pytest.raises(appctx.NoContextError):
        appctx.settings()


def test_each_binding_has_its_own_session_closed_at_its_end(context):
    with appctx.bound(context) as outer:
        first = appctx.session()
        with appctx.bound(context):
            assert appctx.session() is not first
        assert appctx.session() is first and appctx.current() is outer


def _modules_under(package: str) -> list[str]:
    root = PROJECT_ROOT / Path(*package.split("."))
    return sorted(".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__")
                  for path in root.rglob("*.py"))


def test_importing_the_services_and_the_commands_loads_neither_flask_nor_the_web_app():
    modules = [*_modules_under("docflow.services"), *_modules_under("docflow.commands"), "docflow.appctx",
               "docflow.db", "docflow.unit_of_work", "docflow.mail", "docflow.migrations", "docflow.bootstrap"]
    assert "docflow.services.demo" in modules and "docflow.services.notifications" in modules
    code = ("import importlib, sys\n"
            f"for name in {modules!r}:\n    importlib.import_module(name)\n"
            "bad = sorted(m for m in sys.modules if m == 'flask' or m.startswith(('flask.', 'docflow.web')))\n"
            "print(bad)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"
