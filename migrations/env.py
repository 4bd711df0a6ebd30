"""Alembic environment: the engine comes from docflow (config.attributes) or DOCFLOW_CONFIG."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from docflow.models import Base

target_metadata = Base.metadata


def _engine() -> Engine:
    engine = context.config.attributes.get("engine")
    if engine is None:
        from docflow import config, db
        import os
        engine = db.make_engine(config.load(os.environ.get("DOCFLOW_CONFIG") or None).database_url)
    return engine


def run_migrations_online() -> None:
    with _engine().connect() as connection:
        from docflow.migrations import include_object
        context.configure(connection=connection, target_metadata=target_metadata, include_object=include_object,
                          render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
