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


def upgrade(engine: Engine | None = None, revision: str = "head") -> None:
    engine = engine or current_app.extensions["docflow.engine"]
    command.upgrade(alembic_config(engine), revision)
