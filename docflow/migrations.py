"""Run Alembic programmatically against the app's engine (used by `docflow init` and the tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from flask import current_app
from sqlalchemy import Engine

from docflow import PROJECT_ROOT


# Search-index objects that migration 0003 makes per database and the models do not declare.
UNDECLARED = ("documents_fts", "ix_documents_search_trgm")


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic filter: leave the per-database search index objects out of model comparisons."""
    return not (name and name.startswith(UNDECLARED))


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
