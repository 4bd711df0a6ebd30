"""The app behind a `docflow` command: created once per invocation, errors turned into one clear line."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

import click

from docflow.errors import ConfigurationError, DocflowError

if TYPE_CHECKING:
    from flask import Flask


def command_app() -> Flask:
    ctx = click.get_current_context()
    app = ctx.meta.get("docflow.app")
    if app is None:
        from docflow import create_app
        try:
            app = create_app()
        except ConfigurationError as exc:
            raise click.ClickException(f"configuration error: {exc}") from None
        ctx.meta["docflow.app"] = app
        ctx.with_resource(app.app_context())
    return app


def with_app(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run the command inside an app context; DocflowErrors become one clear line and exit 1."""
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        command_app()
        try:
            return func(*args, **kwargs)
        except DocflowError as exc:
            raise click.ClickException(str(exc)) from None
    return wrapper
