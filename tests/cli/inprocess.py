"""Running one `docflow` command group in-process against the test app: its session joins the test's
transaction, so what the command wrote is seen (and rolled back) with the test's own data."""

from __future__ import annotations

from collections.abc import Callable

import click
from click.testing import CliRunner, Result
from flask import Flask

from docflow import wards


def in_process(app: Flask, group: click.Group, *, ward: str | None = None) -> Callable[..., Result]:
    """``run("export", "--year", "2026")`` invokes ``docflow <group> export --year 2026`` with ``app`` as the
    command's app (what ``with_app`` looks for) inside its app context; ``ward`` is ``docflow --ward CODE``
    (needed when the test's database holds several wards), unbound again when the command ends."""
    @click.group()
    @click.pass_context
    def docflow(ctx: click.Context) -> None:
        ctx.meta["docflow.app"] = app
        ctx.with_resource(app.app_context())
        token = wards.bind_code(ward)
        ctx.call_on_close(lambda: wards.reset_code(token))

    docflow.add_command(group)

    def run(*args: str) -> Result:
        return CliRunner().invoke(docflow, [group.name or "", *args], catch_exceptions=False)
    return run
