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
        sqlite = connection.dialect.name == "sqlite"
        # A batch migration on SQLite rebuilds a table (copy, drop, rename); with foreign keys enforced the drop
        # of a table other rows refer to fails. Alembic's batch docs: turn enforcement off around the migration
        # (outside any transaction: SQLite ignores the pragma inside one), then check every key once.
        raw = connection.connection.driver_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=target_metadata,
                              include_object=include_object, render_as_batch=sqlite, compare_type=True)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:5]}")
            connection.commit()
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


run_migrations_online()
