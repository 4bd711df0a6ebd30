"""`docflow registers …`: the year's registers on the command line, exported to CSV or a printable PDF."""

from __future__ import annotations

from pathlib import Path

import click

from docflow import appctx, db
from docflow.commands.context import with_app
from docflow.models import RegisterKind, utc_now
from docflow.services import registers as register_export
from docflow.services.people import organisation
from docflow.services.registers import ExportFormat
from docflow.services.registers import EntryFilters

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
