"""`docflow registers …`: the year's registers on the command line, exported to CSV or a printable PDF."""

from __future__ import annotations

from pathlib import Path

import click

from docflow import appctx, db
from docflow.commands.context import with_app
from docflow.models import RegisterKind, SeriesRule, utc_now
from docflow.services import registers as register_export
from docflow.services.people import organisation
from docflow.commands.keys import read_pin
from docflow.services.people import find_user_by_username
from docflow.services.registers import EntryFilters, ExportFormat, closing

KINDS = ["incoming", "outgoing", "resolution"]


@click.group()
def registers() -> None:
    """The registers (sổ đăng ký): incoming, outgoing, and the incoming resolution register."""


@registers.command("export")
@click.option("--register", "kind", type=click.Choice(KINDS), required=True)
@click.option("--year", type=click.IntRange(1900, 9999), required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "pdf"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="the file to write ('-' for standard output)")
@with_app
def registers_export(kind: str, year: int, fmt: str, out: Path) -> None:
    """Export a year's register with the columns of Decree 30, Annex IV (audited as the system)."""
    tz = appctx.settings().app.zone
    filters = EntryFilters()
    now = utc_now()
    with db.transaction() as s:
        org = organisation.get_organisation(s)
        export = register_export.record_export(s, actor=None, organisation=org, kind=RegisterKind(kind), year=year,
                                               fmt=ExportFormat(fmt), filters=filters, tz=tz)
    chunks = register_export.export_chunks(db.get_session(), export, actor=None, organisation=org,
                                           filters=filters, tz=tz, today=now.astimezone(tz).date(), now=now)
    with click.open_file(str(out), "wb", atomic=str(out) != "-") as target:
        for chunk in chunks:
            target.write(chunk)
    if str(out) != "-":
        click.echo(f"Wrote {export.entries} entries of the {year} {kind} register to {out}.")


@registers.group("series")
def series() -> None:
    """The ward's number series (secret documents, a document type); without any, one series."""


@series.command("list")
@with_app
def series_list() -> None:
    """List the configured series of the outgoing register."""
    session = db.get_session()
    org = organisation.get_organisation(session)
    click.echo("(default)  every document no series below takes")
    for row in register_export.list_series(session, organisation_id=org.id):
        state = "active" if row.is_active else "inactive"
        click.echo(f"{row.code:<10} {row.rule.value:<9} {row.doc_type or '-':<16} {state:<8} {row.name}")


@series.command("add")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--rule", type=click.Choice([r.value for r in SeriesRule]), required=True,
              help="secret: every confidential document; doc_type: every document of --doc-type")
@click.option("--doc-type", default="", help="a document type code, e.g. quyet_dinh (with --rule doc_type)")
@with_app
def series_add(code: str, name: str, rule: str, doc_type: str) -> None:
    """Add a series to the outgoing register, used from the next issue."""
    with db.transaction() as s:
        org = organisation.get_organisation(s)
        register_export.add_series(s, actor=None, organisation_id=org.id,
                                   data=register_export.SeriesInput(code=code, name=name, rule=SeriesRule(rule),
                                                                    doc_type=doc_type))
    click.echo(f"Series {code} added.")


@series.command("disable")
@click.argument("code")
@with_app
def series_disable(code: str) -> None:
    """Stop numbering in a series from the next issue (its numbers stay)."""
    with db.transaction() as s:
        org = organisation.get_organisation(s)
        register_export.deactivate_series(s, actor=None, organisation_id=org.id, kind=RegisterKind.OUTGOING,
                                          code=code)
    click.echo(f"Series {code} disabled.")


@registers.command("close")
@click.option("--register", "kind", type=click.Choice(["incoming", "outgoing"]), required=True)
@click.option("--year", type=click.IntRange(1900, 9999), required=True)
@click.option("--user", "username", required=True, help="the clerk (văn thư) whose PIN opens the ward's key")
@click.option("--pin-env", default=None, help="read the PIN from this environment variable instead of asking")
@with_app
def registers_close(kind: str, year: int, username: str, pin_env: str | None) -> None:
    """Close a year's register (đóng sổ): print it and sign it with the ward's key; no entry afterwards."""
    pin = read_pin(pin_env, confirm=False)
    with db.transaction() as s:
        clerk = find_user_by_username(s, username)
        if clerk is None:
            raise click.ClickException(f"no user named {username}")
        done = closing.close_register(s, actor=clerk, settings=appctx.settings(), store=appctx.store(),
                                      tz=appctx.settings().app.zone,
                                      request=closing.CloseRequest(kind=RegisterKind(kind), year=year, pin=pin))
    click.echo(f"Closed the {year} {kind} register: {done.entries} entries, signed PDF {done.sha256}.")
