"""`docflow ocr run --once`, `docflow text reindex`, and the OCR worker `docflow run` starts beside the web server."""

from __future__ import annotations

import dataclasses
import io
import time

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select

from docflow import appctx, db
from docflow.cli import start_background_work
from docflow.commands.textindex import ocr, start_ocr_worker, text
from docflow.config import OcrSettings
from docflow.models import DocumentKind, OcrStatus, OcrTask, PageText, Role, TextSource, User
from docflow.services import documents as doc_service
from docflow.services.documents import DocumentInput, UploadedFile
from tests.ocrpdfs import SENTENCE, image_pdf, text_pdf


@pytest.fixture
def invoke(app, db_session):
    """Run `docflow ocr …` / `docflow text …` against the test app (its session joins the test's transaction)."""
    @click.group()
    def docflow() -> None:
        click.get_current_context().with_resource(app.app_context())

    docflow.add_command(ocr)
    docflow.add_command(text)

    def run(*args: str) -> click.testing.Result:
        return CliRunner().invoke(docflow, list(args), catch_exceptions=False)
    return run


def rows_of(db_session, document_id):
    return db_session.execute(select(PageText).where(PageText.document_id == document_id)
                              .order_by(PageText.page_no)).scalars().all()


def test_ocr_run_once_reads_the_queued_pages_and_exits(invoke, db_session, make_user, make_document):
    document = make_document(make_user(Role.CLERK), kind=DocumentKind.INTERNAL, content=image_pdf([SENTENCE]))

    result = invoke("ocr", "run", "--once")

    assert result.exit_code == 0 and "1 page(s) read" in result.output
    [row] = rows_of(db_session, document.id)
    assert row.source is TextSource.OCR and "kiem tra thuc dia" in row.folded


def test_text_reindex_rebuilds_a_document_and_finds_the_ones_never_indexed(invoke, db_session, make_user,
                                                                           make_document):
    clerk = make_user(Role.CLERK)
    one = make_document(clerk, kind=DocumentKind.INTERNAL, content=text_pdf(["Trang một của văn bản thứ nhất."] * 2))
    two = make_document(clerk, kind=DocumentKind.INTERNAL, content=text_pdf(["Báo cáo kiểm tra thực địa đất đai."]))
    db_session.execute(delete(PageText).where(PageText.document_id.in_([one.id, two.id])))

    single = invoke("text", "reindex", "--document", str(one.id))
    assert single.exit_code == 0 and [r.page_no for r in rows_of(db_session, one.id)] == [1, 2]
    assert rows_of(db_session, two.id) == []

    missing = invoke("text", "reindex")
    assert missing.exit_code == 0 and f"document {two.id}: text read" in missing.output
    assert f"document {one.id}:" not in missing.output
    assert "bao cao kiem tra" in rows_of(db_session, two.id)[0].folded
    assert invoke("text", "reindex", "--document", "999999").exit_code == 1


def test_the_run_command_starts_the_ocr_worker_which_reads_a_scan_in_the_background(committed_app):
    with committed_app.app_context(), db.transaction() as s:
        clerk = s.execute(select(User).where(User.username == "vanthu")).scalar_one()
        document = doc_service.upload_document(
            s, actor=clerk, store=committed_app.extensions["docflow.store"], max_bytes=10 * 1024 * 1024,
            data=DocumentInput(kind=DocumentKind.INTERNAL, doc_type="cong_van", summary="Bản quét biên bản",
                               department_id=None),
            upload=UploadedFile(io.BytesIO(image_pdf([SENTENCE])), "ban-quet.pdf"))
        document_id = document.id

    worker, renewals = start_background_work(committed_app)
    if renewals is not None:
        renewals.stop(timeout=60)
    try:
        assert worker is not None and worker.thread.is_alive() and worker.thread.daemon
        for _ in range(240):   # a page takes a few seconds of tesseract; the bound only ends a hung test
            with committed_app.app_context():
                task = db.get_session().execute(select(OcrTask).where(OcrTask.document_id == document_id)).scalar_one()
                if task.status is not OcrStatus.QUEUED and task.status is not OcrStatus.RUNNING:
                    break
            time.sleep(0.5)
    finally:
        worker.stop(timeout=60) if worker is not None else None
    with committed_app.app_context():
        rows = db.get_session().execute(select(PageText).where(PageText.document_id == document_id)).scalars().all()
    assert task.status is OcrStatus.DONE
    assert [r.source for r in rows] == [TextSource.OCR] and "kiem tra thuc dia" in rows[0].folded


def test_the_run_command_starts_no_worker_when_ocr_is_disabled(app):
    with app.app_context():
        context = appctx.current().context
    disabled = dataclasses.replace(context, settings=dataclasses.replace(context.settings,
                                                                         ocr=OcrSettings(enabled=False)))
    assert start_ocr_worker(disabled) is None


@pytest.mark.parametrize("loop", ["ocr", "renewal"])
def test_the_background_loops_outlive_a_database_they_cannot_reach_and_stop_when_asked(tmp_path, store, caplog,
                                                                                     loop):
    """The OCR worker (thread and `docflow ocr run`) and the daily renewal share BackgroundLoop: a database that
    cannot be opened (here a file in a folder that does not exist: a real OperationalError) is logged and tried
    again, not the end."""
    from contextlib import contextmanager

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from docflow.config import ArchiveSettings, Settings
    from docflow.services import renewal, textindex

    engine = create_engine(f"sqlite:///{tmp_path / 'gone' / 'docflow.db'}")

    @contextmanager
    def unreachable():
        with Session(engine) as session, session.begin():
            yield session

    worker = (textindex.OcrWorker(unreachable, store=store, settings=OcrSettings(poll_seconds=0)) if loop == "ocr"
              else renewal.RenewalScheduler(unreachable, store=store, poll_seconds=0,
                                            settings=Settings(archive=ArchiveSettings(renew_at="00:00"))))
    with caplog.at_level("ERROR", logger="docflow.services.jobs.loop"):
        worker.start()
        for _ in range(200):
            if len(caplog.records) >= 2:
                break
            time.sleep(0.05)
        assert worker.thread.is_alive()
        worker.stop(timeout=10)
    assert not worker.thread.is_alive()
    assert len(caplog.records) >= 2 and all("tries again" in r.getMessage() for r in caplog.records)
    engine.dispose()


def test_the_run_command_starts_the_daily_renewal_unless_renew_at_is_empty(committed_app):
    from docflow.commands.archive import start_renewal_scheduler
    from docflow.services.renewal import RenewalScheduler
    _, renewals = start_background_work(committed_app)
    try:
        assert isinstance(renewals, RenewalScheduler) and renewals.thread.is_alive() and renewals.thread.daemon
    finally:
        if renewals is not None:
            renewals.stop(timeout=60)
    assert renewals is not None and not renewals.thread.is_alive()
    with committed_app.app_context():
        context = appctx.current().context
    off = dataclasses.replace(context, settings=dataclasses.replace(
        context.settings, archive=dataclasses.replace(context.settings.archive, renew_at="")))
    assert start_renewal_scheduler(off) is None
