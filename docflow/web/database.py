"""The application context bound to Flask: the app carries it, a request's session lives on ``g``.

``app.extensions`` holds the context's parts under their long-standing keys ("docflow.settings",
"docflow.store", "docflow.engine", "docflow.sessionmaker"), read afresh on each use: a test may swap the
sessionmaker for one joined to its rolled-back transaction.
"""

from __future__ import annotations

from flask import Flask, current_app, g, has_app_context
from sqlalchemy.orm import Session

from docflow import appctx
from docflow.appctx import AppContext


class FlaskScope:
    """The Flask app context in hand as a docflow scope; its session is closed at the app context's end."""

    @property
    def context(self) -> AppContext:
        extensions = current_app.extensions
        return AppContext(settings=extensions["docflow.settings"], store=extensions["docflow.store"],
                          engine=extensions["docflow.engine"], sessionmaker=extensions["docflow.sessionmaker"])

    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = current_app.extensions["docflow.sessionmaker"]()
        session: Session = g.db_session
        return session


_SCOPE = FlaskScope()


def flask_scope() -> FlaskScope | None:
    """The scope of the Flask app context in hand, if there is one (appctx's fallback)."""
    return _SCOPE if has_app_context() else None


def init_app(app: Flask, context: AppContext) -> None:
    app.extensions["docflow.settings"] = context.settings
    app.extensions["docflow.store"] = context.store
    app.extensions["docflow.engine"] = context.engine
    app.extensions["docflow.sessionmaker"] = context.sessionmaker
    app.teardown_appcontext(_close_session)
    appctx.use_fallback(flask_scope)


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
