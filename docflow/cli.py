"""The `docflow` command: its groups live in docflow.commands and load when run; `docflow run` is here."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import click

from docflow.errors import ConfigurationError

if TYPE_CHECKING:
    from flask import Flask

    from docflow.services.renewal import RenewalScheduler
    from docflow.services.textindex import OcrWorker

# Only click and the errors are imported up front: `docflow verify` runs without a database, and its
# start-up time is part of its contract. Each command's module, and what it needs, loads when it runs.


class LazyGroup(click.Group):
    """Commands in docflow.commands are imported only when run: `docflow verify` must start as fast as a
    bare pyHanko script (click's documented lazy-loading pattern)."""

    LAZY = {
        "init": "docflow.commands.setup:init",
        "demo": "docflow.commands.setup:demo",
        "users": "docflow.commands.users:users",
        "keys": "docflow.commands.keys:keys",
        "sign": "docflow.commands.sign:sign",
        "verify": "docflow.commands.verify:verify",
        "escalate": "docflow.commands.deadlines:escalate",
        "registers": "docflow.commands.registers:registers",
        "audit": "docflow.commands.audit:audit",
        "evidence": "docflow.commands.evidence:evidence",
        "ocr": "docflow.commands.textindex:ocr",
        "text": "docflow.commands.textindex:text",
        "search": "docflow.commands.search:search",
        "report": "docflow.commands.report:report",
        "records": "docflow.commands.records:records_group",
        "archive": "docflow.commands.archive:archive",
        "backup": "docflow.commands.backup:backup",
        "restore": "docflow.commands.backup:restore",
        "import": "docflow.commands.importing:import_command",
        "exchange": "docflow.commands.exchange_messages:exchange",
        "api": "docflow.commands.api:api",
        "wards": "docflow.commands.wards:wards",
        "worker": "docflow.commands.worker:worker",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY:
            module, name = self.LAZY[cmd_name].split(":")
            command: click.Command = getattr(importlib.import_module(module), name)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup)
@click.option("--ward", envvar="DOCFLOW_WARD", default=None, metavar="CODE",
              help="The ward a command acts for, by its code (needed when the deployment serves several wards).")
def main(ward: str | None) -> None:
    """docflow: documents and digital signatures for a ward People's Committee."""
    # Imported here: cheap (no Flask, no SQLAlchemy), and only the commands that open a database read it.
    from docflow import wards
    wards.bind_code(ward)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def run(host: str, port: int, threads: int) -> None:
    """Serve docflow with waitress."""
    # Imported here: the web app (Flask and every service) loads only for the command that serves it.
    import waitress

    from docflow import create_app, logformat, migrations

    try:
        app = create_app()
    except ConfigurationError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
    if not migrations.is_current(app.extensions["docflow.engine"]):
        raise click.ClickException("the database is missing or out of date: run `docflow init` first")
    logformat.configure(app.extensions["docflow.settings"].app.log_format)   # [app] log_format: text or json
    if uses_job_queue(app):
        click.echo("Background work (OCR, renewal, mail, exchange) goes to the job queue ([queue] url): "
                   "run `docflow worker` beside this.")
    else:
        start_threads(app)
    click.echo(f"docflow is serving on http://{host}:{port}/")
    waitress.serve(app, host=host, port=port, threads=threads, ident="docflow")


def uses_job_queue(app: Flask) -> bool:
    """Whether [queue] url names a broker: `docflow worker` then does the background work, and `docflow run`
    starts no thread for it (the embedded default, url = "", keeps its threads and needs no broker)."""
    return bool(app.extensions["docflow.settings"].queue.url)


def start_threads(app: Flask) -> None:
    """The embedded default's background threads beside the web server, each announced."""
    ocr_worker, renewals = start_background_work(app)
    if ocr_worker is not None:
        click.echo("OCR of scanned pages runs in the background ([ocr] in the configuration).")
    if renewals is not None:
        click.echo("Signatures of issued documents are renewed daily ([archive] renew_at in the configuration).")
    if start_exchange_work(app) is not None:
        click.echo("Messages to other agencies are delivered from the outbox ([exchange] in the configuration).")


def start_background_work(app: Flask) -> tuple[OcrWorker | None, RenewalScheduler | None]:
    """What `docflow run` runs beside the web server: the OCR worker thread (None when [ocr] disables it) and
    the daily renewal of the issued documents' signatures (None when [archive] renew_at is "")."""
    # Imported here: the services load only for the command that serves.
    from docflow import appctx
    from docflow.commands.archive import start_renewal_scheduler
    from docflow.commands.textindex import start_ocr_worker
    with app.app_context():
        context = appctx.current().context
    return start_ocr_worker(context), start_renewal_scheduler(context)


def start_exchange_work(app: Flask) -> object | None:
    """The exchange outbox's sender thread beside the web server (None when [exchange] turns it off)."""
    # Imported here: the services load only for the command that serves.
    from docflow import appctx
    from docflow.commands.exchange_transport import start_exchange_sender
    with app.app_context():
        context = appctx.current().context
    return start_exchange_sender(context)


if __name__ == "__main__":
    main()
