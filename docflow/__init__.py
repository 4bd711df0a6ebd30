"""docflow: document management and digital signatures for a ward People's Committee."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Flask is imported by create_app only: `docflow verify` must start fast
    from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """The application factory: wiring only, no logic."""
    from flask import Flask

    from docflow import config, db, web
    from docflow.services.audit import checkpoints as audit_checkpoints
    from docflow.storage import DocumentStore

    settings = config.load(os.environ.get("DOCFLOW_CONFIG") or None, overrides=overrides)
    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"))
    app.config.from_mapping(settings.flask_mapping())
    app.extensions["docflow.settings"] = settings
    if settings.app.mode == "production":
        settings.key_secret()   # refuses to start without the key-wrapping secret (signing.key_secret_file)
    app.extensions["docflow.store"] = DocumentStore(settings.blobs_dir)
    db.init_app(app, settings.database_url, echo=settings.database.echo,
                lock_timeout_seconds=settings.database.lock_timeout_seconds)
    audit_checkpoints.install(app.extensions["docflow.sessionmaker"], settings)
    web.register(app)
    return app
