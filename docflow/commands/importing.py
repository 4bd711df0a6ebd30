"""`docflow import FOLDER`: bring the previous system's documents in, from a folder of PDFs and its index
(FOLDER/index.csv, or --csv PATH), as the clerk named by --user.

The index is read row by row and entered in batches: each batch's PDFs are checked and verified first (no
database lock held), then its rows are entered in one transaction, each row in its own savepoint, so a crash
loses at most the batch in hand and a rerun finishes the rest (rows imported already are recognised).
Exit status: 0 nothing refused; 1 some rows refused (the others imported); 2 the folder or index unreadable.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
from pathlib import Path

import click

from docflow import appctx, db
from docflow.commands.context import bind_context
from docflow.errors import DocflowError
from docflow.models import utc_now
from docflow.services import importing
from docflow.services.importing import ImportContext, ImportRow, IndexFileError, Outcome, Refusal, entry
from docflow.services.people import find_user_by_username
from docflow.storage import FileSystemStore

EXIT_DONE, EXIT_REFUSED, EXIT_UNREADABLE = 0, 1, 2
BATCH = 200


@click.command("import")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--csv", "index", type=click.Path(path_type=Path), default=None,
              help="the index of the documents (default FOLDER/index.csv)")
@click.option("--user", "username", required=True, help="the clerk (văn thư) who imports")
@click.option("--dry-run", is_flag=True, help="check every row, change nothing")
@click.option("--report", "report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="write the refused rows (and invalid signatures) to this .csv or .json file")
@click.option("--batch", type=click.IntRange(1, 10_000), default=BATCH, show_default=True,
              help="rows entered per transaction")
def import_command(folder: Path, index: Path | None, username: str, dry_run: bool, report: Path | None,
                   batch: int) -> None:
    """Import documents of the previous system: each in its register and year with its own number, its PDF
    checked and its signatures verified, into its file (hồ sơ) of that year's plan."""
    bind_context()
    index = index if index is not None else folder / "index.csv"
    if not folder.is_dir():
        click.echo(f"error: {folder} is not a readable folder", err=True)
        sys.exit(EXIT_UNREADABLE)
    try:
        sys.exit(_run(folder.resolve(), index, username, dry_run=dry_run, report=report, batch=batch))
    except IndexFileError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    except DocflowError as exc:
        raise click.ClickException(str(exc)) from None


def _run(folder: Path, index: Path, username: str, *, dry_run: bool, report: Path | None, batch: int) -> int:
    session = db.get_session()
    actor = find_user_by_username(session, username)
    if actor is None:
        raise click.ClickException(f"no user named {username}")
    importing.require_importer(actor)
    settings = appctx.settings()
    with tempfile.TemporaryDirectory(prefix="docflow-import-dry-") as scratch:
        # A dry run checks and verifies every PDF as a real run would, in a scratch store, and rolls back.
        store = FileSystemStore(Path(scratch)) if dry_run else appctx.store()
        ctx = importing.ImportContext(actor=actor, folder=folder, settings=settings, store=store, now=utc_now())
        counts = importing.Counts()
        rows = importing.read_index(index, zone=settings.app.zone)
        with importing.ReportWriter(report) as writer:
            while chunk := list(itertools.islice(rows, batch)):
                for outcome in _batch(ctx, chunk, dry_run=dry_run):
                    counts.add(outcome)
                    writer.write(outcome)
                    if outcome.status == importing.REFUSED:
                        _echo_refusal(outcome)
        if not dry_run:
            with db.transaction() as s:
                importing.record_run(s, ctx=ctx, index=index, counts=counts)
    summary = counts.as_dict()
    click.echo(f"{'Dry run: ' if dry_run else ''}{summary['imported']} imported, {summary['already_imported']} "
               f"already imported, {summary['refused']} refused; signatures: "
               + (", ".join(f"{k} {v}" for k, v in summary["signatures"].items()) or "none"))
    return EXIT_REFUSED if counts.refused else EXIT_DONE


def _batch(ctx: ImportContext, chunk: list[tuple[int, ImportRow | Refusal]], *, dry_run: bool) -> list[Outcome]:
    session = db.get_session()
    rows = [row for _, row in chunk if isinstance(row, ImportRow)]
    checked = iter(importing.prepare_rows(session, ctx, rows))
    prepared = [next(checked) if isinstance(row, ImportRow)
                else importing.Outcome(line=line, status=importing.REFUSED, refusal=row) for line, row in chunk]
    if dry_run:
        try:
            return [importing.enter_row(session, ctx, p) if isinstance(p, importing.Prepared) else p
                    for p in prepared]
        finally:
            session.rollback()
    with db.transaction() as s:
        return [importing.enter_row(s, ctx, p) if isinstance(p, importing.Prepared) else p for p in prepared]


def _echo_refusal(outcome: Outcome) -> None:
    line = entry(outcome)
    click.echo(f"line {line['line']}: refused ({line['key']}): {line['reason_vi']}", err=True)
