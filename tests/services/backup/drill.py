"""A whole docflow instance in a folder, for backup and restore drills: a configuration file, its own database
(SQLite file or a fresh PostgreSQL database), the demo ward walked through both flows by the real services,
and the `docflow` command run on it in-process."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from docflow import appctx, bootstrap, config, db
from docflow.appctx import AppContext
from docflow.cli import main
from docflow.models import AuditEvent, Department, Document, DocumentKind, DocumentVersion, User
from docflow.services import incoming, outgoing
from docflow.services.demo import DEMO_PIN
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.services.outgoing import DraftDetails, draft_template_pdf, issuing
from tests.conftest import pdf_bytes

WARD = "UBND phường Tích Sơn"
PASSPHRASE = "drill-passphrase-2026"


def write_config(folder: Path, database_url: str) -> Path:
    """A testing-mode configuration in ``folder`` (cheap key wrapping), on ``database_url``."""
    folder.mkdir(parents=True)
    path = folder / "docflow.toml"
    path.write_text('[app]\nmode = "testing"\ndata_dir = "var"\nkeys_dir = "keys"\n'
                    f'organisation_name = "{WARD}"\n\n[database]\nurl = "{database_url}"\n\n'
                    '[signing]\npin_kdf_memory_kib = 64\npin_kdf_time_cost = 1\n', encoding="utf-8")
    return path


def docflow(config_file: Path | None, *args: str, **env: str) -> Result:
    """Run `docflow ARGS` in-process with DOCFLOW_CONFIG naming ``config_file`` (unset when None)."""
    environment = {"DOCFLOW_CONFIG": str(config_file) if config_file else None, **env}
    return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)


def open_instance(config_file: Path) -> AppContext:
    return bootstrap.open_context(config.load(config_file))


def seeded_instance(folder: Path, database_url: str) -> Path:
    """`docflow init` and `docflow demo` in a new folder: incoming documents registered and handled,
    outgoing ones signed and issued, the audit log checkpointed. Returns the configuration file."""
    config_file = write_config(folder, database_url)
    for command in ("init", "demo"):
        result = docflow(config_file, command)
        assert result.exit_code == 0, result.output
    return config_file


def drop_postgres(url: str) -> None:
    """Destroy a PostgreSQL database (the drill's lost machine)."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def versions(config_file: Path) -> dict[int, str]:
    """Every stored version's id and SHA-256."""
    context = open_instance(config_file)
    try:
        with context.engine.connect() as conn:
            return {i: sha for i, sha in conn.execute(select(DocumentVersion.id, DocumentVersion.sha256))}
    finally:
        context.engine.dispose()


def register_export(config_file: Path, kind: str, out: Path) -> bytes:
    year = datetime.now(UTC).astimezone(config.load(config_file).app.zone).year
    result = docflow(config_file, "registers", "export", "--register", kind, "--year", str(year),
                     "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def register_one_incoming(context: AppContext, label: str) -> Document:
    """The clerk registers one incoming document (its own transaction); returns it with its số đến."""
    with appctx.bound(context), db.transaction() as s:
        clerk = s.execute(select(User).where(User.username == "vanthu")).scalar_one()
        office = s.execute(select(Department).where(Department.code == "VP")).scalar_one()
        data = DocumentInput(kind=DocumentKind.INCOMING, doc_type="cong_van", summary=f"Về việc {label}",
                             number_symbol=f"{label}/UBND-VP", issuing_body="UBND tỉnh Phú Thọ",
                             department_id=office.id)
        return incoming.register_incoming(s, actor=clerk, data=data, store=context.store, settings=context.settings,
                                          confirm_duplicate=True,
                                          upload=UploadedFile(io.BytesIO(pdf_bytes(label)), "den.pdf")).document


def issue_one_outgoing(context: AppContext, summary: str) -> Document:
    """Draft, review, sign (phochutich1) and issue (vanthu) one công văn, with the demo PIN: signing works."""
    with appctx.bound(context), db.transaction() as s:
        users = {u.username: u for u in s.execute(select(User)).scalars()}
        departments = {d.code: d for d in s.execute(select(Department)).scalars()}
        settings, store = context.settings, context.store
        details = DraftDetails(unit="VP", internal_recipients=[departments["VHXH"].name],
                               external_recipients=["UBND tỉnh Phú Thọ"],
                               paragraphs=("Ủy ban nhân dân phường đề nghị các cơ quan, đơn vị triển khai thực hiện "
                                           "nội dung trên theo đúng quy định.",))
        content = draft_template_pdf(organisation_name=WARD, summary=summary, doc_type="cong_van", details=details)
        data = outgoing.DraftInput(doc_type="cong_van", summary=summary, signer_id=users["phochutich1"].id,
                                   recipient_department_ids=(departments["VHXH"].id,),
                                   external_recipients=("UBND tỉnh Phú Thọ",))
        document = outgoing.create_draft(s, actor=users["chuyenvien.vp"], data=data, store=store, settings=settings,
                                         max_bytes=settings.max_upload_bytes,
                                         upload=UploadedFile(io.BytesIO(content), "du-thao.pdf"))
        outgoing.start_route(s, actor=users["chuyenvien.vp"], document_id=document.id, store=store)
        while (step := outgoing.active_step(s, document.id)) is not None and step.kind.value == "review":
            assert step.assignee is not None
            outgoing.approve_step(s, actor=step.assignee, document_id=document.id, step_id=step.id,
                                  settings=settings, store=store)
        step = outgoing.active_step(s, document.id)
        assert step is not None and step.kind.value == "sign"
        outgoing.sign_step(s, actor=users["phochutich1"], settings=settings, store=store, document_id=document.id,
                           step_id=step.id, pin=DEMO_PIN, expected_version=None)
        return issuing.issue_document(s, actor=users["vanthu"], settings=settings, store=store,
                                      document_id=document.id, pin=DEMO_PIN)


class Writer(threading.Thread):
    """Registers incoming documents one transaction after another until stopped: the ward at work while
    the backup runs."""

    def __init__(self, config_file: Path) -> None:
        super().__init__(daemon=True)
        self.config_file = config_file
        self.committed = 0
        self.error: BaseException | None = None
        self.stopping = threading.Event()

    def run(self) -> None:
        context = open_instance(self.config_file)
        try:
            while not self.stopping.is_set():
                register_one_incoming(context, f"W{self.committed + 1}")
                self.committed += 1
                # A breath between registrations, as a clerk's: SQLite's lock is not fair, and a writer that takes
                # it again the instant it lets go starved the backup's own audit event past the 30 s lock timeout.
                self.stopping.wait(0.05)
        except BaseException as exc:  # noqa: BLE001 - handed to the test, which fails with it
            self.error = exc
        finally:
            context.engine.dispose()

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = datetime.now(UTC).timestamp() + timeout
        while self.committed < count and self.error is None and datetime.now(UTC).timestamp() < deadline:
            self.stopping.wait(0.05)
        assert self.error is None, self.error
        assert self.committed >= count, "the writer made no progress"


def audit_events(config_file: Path, action: str) -> list[dict[str, Any]]:
    """The details of every event of ``action``, in chain order."""
    context = open_instance(config_file)
    try:
        with context.engine.connect() as conn:
            return [dict(d) for d in conn.scalars(select(AuditEvent.details).where(AuditEvent.action == action)
                                                  .order_by(AuditEvent.seq))]
    finally:
        context.engine.dispose()


def count_incoming(config_file: Path) -> int:
    """How many incoming documents the clerk registered (each with its số đến)."""
    context = open_instance(config_file)
    try:
        with context.engine.connect() as conn:
            rows: Any = conn.execute(select(Document.id).where(Document.kind == DocumentKind.INCOMING,
                                                               Document.register_number.is_not(None))).all()
            return len(rows)
    finally:
        context.engine.dispose()
