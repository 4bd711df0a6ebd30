"""docflow: document management and digital signatures for a ward People's Committee."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from docflow.paths import PROJECT_ROOT

if TYPE_CHECKING:  # Flask is imported by create_app only: `docflow verify` must start fast
    from flask import Flask

__all__ = ["PROJECT_ROOT", "create_app"]


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """The application factory: wiring only, no logic."""
    # Imported here, not above: importing the package (every `docflow` command does) must not load Flask.
    from flask import Flask

    from docflow import bootstrap, paths, web
    from docflow.web import database

    settings = bootstrap.load_settings(overrides)
    context = bootstrap.open_context(settings)
    app = Flask(__name__, template_folder=str(paths.TEMPLATES_DIR))
    app.config.from_mapping(settings.flask_mapping())
    database.init_app(app, context)
    web.register(app)
    return app
