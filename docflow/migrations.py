"""Run Alembic programmatically against the app's engine (used by `docflow init` and the tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from flask import current_app
from sqlalchemy import Engine

from docflow import PROJECT_ROOT


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def is_current(engine: Engine | None = None) -> bool:
    """True when the database schema is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    engine = engine or current_app.extensions["docflow.engine"]
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads


def upgrade(engine: Engine | None = None, revision: str = "head") -> None:
    engine = engine or current_app.extensions["docflow.engine"]
    command.upgrade(alembic_config(engine), revision)
