"""`docflow ocr run` (read the pages queued for OCR) and `docflow text reindex` (read documents' text again),
and the OCR worker thread `docflow run` starts (the embedded default: no separate worker to run)."""

from __future__ import annotations

import click
from sqlalchemy import select

from docflow import appctx, db, wards
from docflow.appctx import AppContext
from docflow.commands.context import with_app
from docflow.models import Document
from docflow.services import textindex
from docflow.services.documents import parse_limits


def start_ocr_worker(context: AppContext) -> textindex.OcrWorker | None:
    """Start the background OCR thread of `docflow run` in ``context``; None when [ocr] enabled is false."""
    if not context.settings.ocr.enabled:
        return None
    return textindex.OcrWorker(db.transaction, store=context.store, settings=context.settings.ocr,
                               scope=lambda: appctx.bound(context)).start()


@click.group("ocr")
def ocr() -> None:
    """OCR of scanned pages (tesseract, Vietnamese)."""


@ocr.command("run")
@click.option("--once", is_flag=True, help="Read every page queued now, then exit (otherwise keep waiting for more).")
@with_app
def ocr_run(once: bool) -> None:
    """Read the pages queued for OCR; `docflow run` does this itself unless [ocr] enabled = false."""
    settings, store = appctx.settings(), appctx.store()
    if once:
        total = textindex.run_pending(db.transaction, store=store, settings=settings.ocr)
        click.echo(f"OCR finished: {total} page(s) read.")
        return

    def report(done: int) -> None:
        if done:
            click.echo(f"{done} page(s) read.")

    # The background worker's loop in the foreground: a database outage is logged and tried again, not the end.
    textindex.OcrWorker(db.transaction, store=store, settings=settings.ocr, report=report).run_forever()


@click.group("text")
def text() -> None:
    """The searchable text of documents (each page's text layer, or OCR)."""


@text.command("reindex")
@click.option("--document", "document_id", type=int, help="Read this document's text again.")
@click.option("--all", "every", is_flag=True, help="Read every document's text again (default: only the "
                                                    "documents never indexed).")
@with_app
def text_reindex(document_id: int | None, every: bool) -> None:
    """(Re)build the page texts of existing documents; scanned pages are queued for OCR."""
    click.echo(f"{reindex(document_id=document_id, every=every)} document(s) indexed.")


def reindex(*, document_id: int | None = None, every: bool = False, verbose: bool = True) -> int:
    """Index the chosen documents, one transaction each; how many. An unknown id is a ClickException."""
    with db.transaction() as s:
        if document_id is not None:
            ids = [document_id] if s.get(Document, document_id) is not None else []
            if not ids:
                raise click.ClickException(f"no document {document_id}")
        else:
            ids = list(s.execute(select(Document.id).order_by(Document.id)).scalars()) if every else textindex.documents_without_text(s)
    limits = parse_limits(appctx.settings().uploads)
    named, done = wards.current_ward_id(), 0   # `docflow --ward CODE text reindex`: that ward's documents only
    for one in ids:
        with db.transaction() as s:
            document = s.get(Document, one)
            if document is None or named not in (None, document.organisation_id):
                continue
            # Each document is read for its own ward (docflow.wards), whichever wards the deployment serves.
            with wards.acting_for(document.organisation_id):
                queued = textindex.reindex_document(s, document=document, store=appctx.store(), limits=limits)
            done += 1
            if verbose:
                click.echo(f"  document {one}: {len(queued)} page(s) queued for OCR" if queued
                           else f"  document {one}: text read")
    return done
