"""From a configuration to a running application context; shared by the web app's factory and the CLI.

Entry-level wiring (it installs the audit checkpointer of ``docflow.services``): only the entry points,
``docflow.create_app`` and ``docflow.commands.context``, import it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from docflow import config, db
from docflow.appctx import AppContext
from docflow.config import Settings
from docflow.services.audit import checkpoints as audit_checkpoints
from docflow.storage import open_store


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """The settings of the file DOCFLOW_CONFIG names (defaults without one), with ``overrides`` merged."""
    return config.load(os.environ.get("DOCFLOW_CONFIG") or None, overrides=overrides)


def open_context(settings: Settings) -> AppContext:
    """The engine, the document store and the audit checkpointer for ``settings``.

    Raises ConfigurationError for a production configuration without its secrets, whichever entry point
    starts it: a command must not run where the web app would refuse to.
    """
    if settings.app.mode == "production":
        settings.secret_key()
        settings.key_secret()
    engine = db.make_engine(settings.database_url, echo=settings.database.echo,
                            lock_timeout_seconds=settings.database.lock_timeout_seconds)
    context = AppContext(settings=settings, store=open_store(settings.blobs_dir), engine=engine,
                         sessionmaker=db.make_sessionmaker(engine))
    audit_checkpoints.install(context.sessionmaker, settings)
    return context
