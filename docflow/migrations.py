"""Run Alembic programmatically against an engine, by default the application context's (used by
`docflow init` and the tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from docflow import appctx
from docflow.paths import MIGRATIONS_DIR


# Search-index objects that migrations 0003, 0021 and 0025 make per database and the models do not declare.
UNDECLARED = ("documents_fts", "ix_documents_search_trgm", "search_fts_")


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic filter: leave the per-database search index objects out of model comparisons."""
    return not (name and name.startswith(UNDECLARED))


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def is_current(engine: Engine | None = None) -> bool:
    """True when the database schema is at the newest migration."""
    engine = engine or appctx.engine()
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads


def upgrade(engine: Engine | None = None, revision: str = "head") -> None:
    engine = engine or appctx.engine()
    command.upgrade(alembic_config(engine), revision)
