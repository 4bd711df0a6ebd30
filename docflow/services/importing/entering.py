"""Entering one document of the previous system (`docflow import`): in the right register and year under its
own number, with its PDF through the upload checks, its signatures verified, in its file of that year's plan.

Each row is prepared first (read only: is it imported already, is its file inside the folder, does the PDF
pass the limited child's check, what do its signatures say), then entered in a savepoint of the caller's
transaction: a refused row leaves nothing behind, and the rows before it stay.

Decisions (README, "Importing from a previous system"): the importer is the clerk, who registers and keeps
the ward's documents; a file code must be in that year's plan; a planned file is opened on the record; a
closed file is refused with its reason, as for any addition (R46: a closed file is read-only; a leader
reopens it on the record, then the rerun imports the row). An internal document has no register in
docflow: it keeps its number and symbol as written and its key in the import ledger.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy, textsearch
from docflow.config import Settings, local_date
from docflow.errors import (
    N_,
    ConflictError,
    DocflowError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from docflow.models import (
    Document,
    DocumentKind,
    DocumentStatus,
    FilePlan,
    FileStatus,
    ImportedDocument,
    ReceiptSource,
    RecordFile,
    RegisterKind,
    User,
)
from docflow.services import audit, records, registers
from docflow.services import documents as doc_service
from docflow.services import signatures as signing_service
from docflow.services.signatures.reports import looks_signed
from docflow.services.audit import AuditAction
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.services.importing.rows import ImportRow, Refusal, RowError
from docflow.services.incoming.registration import register_incoming
from docflow.services.records.common import require_open
from docflow.storage import DocumentStore

IMPORTED, ALREADY, REFUSED = "imported", "already_imported", "refused"
VALID, INVALID, UNSIGNED, UNREADABLE = "valid", "invalid", "unsigned", "unreadable"
ERROR_KEYS: tuple[tuple[type[DocflowError], str], ...] = (
    (PermissionDeniedError, "not_permitted"), (ValidationError, "invalid"), (ConflictError, "conflict"),
    (InvalidTransitionError, "not_allowed"), (NotFoundError, "not_found"))


@dataclass(frozen=True)
class ImportContext:
    """What every row of one run shares: who imports, from which folder (resolved), into which store."""
    actor: User
    folder: Path
    settings: Settings
    store: DocumentStore
    now: datetime


@dataclass(frozen=True)
class Outcome:
    """What became of one row: imported, already imported (nothing changed) or refused with the reason."""
    line: int
    status: str
    document_id: int | None = None
    signatures: str = ""
    signature_problem: str = ""
    refusal: Refusal | None = None


@dataclass(frozen=True)
class Prepared:
    """A row whose PDF passed the checks and is in the store (``sha256``), ready to enter."""
    row: ImportRow
    upload: UploadedFile
    sha256: str


def require_importer(actor: User) -> None:
    """Raises PermissionDeniedError unless ``actor`` may import (policy.may_import)."""
    if not policy.may_import(actor):
        raise PermissionDeniedError(N_("Only the clerk (văn thư) imports documents from the previous system."))


def _refused(row: ImportRow | int, refusal: Refusal) -> Outcome:
    return Outcome(line=row if isinstance(row, int) else row.line, status=REFUSED, refusal=refusal)


def refusal_of(error: DocflowError) -> Refusal:
    """A service's refusal as a row's: its message and a key naming its kind."""
    key = next((k for cls, k in ERROR_KEYS if isinstance(error, cls)), "refused")
    return Refusal(key=key, message=error.message, params=dict(error.params))


def resolve_file(folder: Path, name: str) -> Path:
    """The row's PDF, which must be a file inside the import folder (``folder`` resolved): no absolute path,
    no "..", no link leading out of it. Raises RowError."""
    relative = Path(name.replace("\\", "/"))
    outside = Refusal("path_outside", N_("The file %(name)s is not inside the import folder."), {"name": name})
    if not relative.parts or relative.is_absolute() or ".." in relative.parts or ":" in relative.parts[0]:
        raise RowError(outside)
    missing = Refusal("file_missing", N_("The file %(name)s is not in the import folder."), {"name": name})
    try:
        resolved = (folder / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        raise RowError(missing) from None
    if not resolved.is_relative_to(folder):
        raise RowError(outside)
    if not resolved.is_file():
        raise RowError(missing)
    return resolved


def _ledger(session: Session, ctx: ImportContext, row: ImportRow) -> ImportedDocument | None:
    return session.execute(select(ImportedDocument).where(
        ImportedDocument.organisation_id == ctx.actor.organisation_id, ImportedDocument.kind == row.kind.value,
        ImportedDocument.register == row.register, ImportedDocument.year == row.year,
        ImportedDocument.number == row.key_number, ImportedDocument.symbol == row.symbol)).scalar_one_or_none()


def file_sha256(path: Path) -> str:
    """A file's SHA-256, read 1 MiB at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _already(row: ImportRow, earlier: ImportedDocument, path: Path) -> Outcome:
    if file_sha256(path) != earlier.sha256:
        return _refused(row, Refusal("other_content", N_("Already imported with other content: this number was "
                                                         "imported from a different PDF.")))
    return Outcome(line=row.line, status=ALREADY, document_id=earlier.document_id, signatures=earlier.signatures,
                   signature_problem=earlier.signature_problem)


def prepare_rows(session: Session, ctx: ImportContext, rows: Sequence[ImportRow]) -> list[Prepared | Outcome]:
    """Everything about each row that needs no write: the outcome when it was imported already or is
    refused, else its PDF checked in the limited child process and stored (content-addressed: the bytes
    unchanged), its signatures verified ahead so the entering transaction holds no lock through pyHanko.

    The checks run ``uploads.parse_concurrency`` at a time (the child processes' own limit): they touch no
    session, only the store. Reads only."""
    found: list[Path | Outcome] = [_locate(session, ctx, row) for row in rows]
    with ThreadPoolExecutor(max_workers=max(1, ctx.settings.uploads.parse_concurrency)) as pool:
        stored = list(pool.map(lambda pair: pair[1] if isinstance(pair[1], Outcome) else _store(ctx, *pair),
                               zip(rows, found, strict=True)))
    for item in stored:
        if isinstance(item, Prepared):
            signing_service.verify_upload_ahead(session, settings=ctx.settings, store=ctx.store, upload=item.upload)
    return stored


def _locate(session: Session, ctx: ImportContext, row: ImportRow) -> Path | Outcome:
    """The row's PDF, or its outcome when its path is refused or it was imported already."""
    try:
        path = resolve_file(ctx.folder, row.file_name)
    except RowError as exc:
        return _refused(row, exc.refusal)
    earlier = _ledger(session, ctx, row)
    return path if earlier is None else _already(row, earlier, path)


def _store(ctx: ImportContext, row: ImportRow, path: Path) -> Prepared | Outcome:
    try:
        with path.open("rb") as fh:
            upload = doc_service.receive_upload(ctx.store, UploadedFile(fh, path.name), settings=ctx.settings)
    except DocflowError as exc:
        return _refused(row, Refusal("pdf_refused", exc.message, dict(exc.params)))
    if upload.stored is None:   # receive_upload always stores; this is for the type checker's sake
        return _refused(row, Refusal("pdf_refused", N_("The PDF is damaged or cannot be read.")))
    # Without its (closed) source stream: entering reads only the stored blob.
    return Prepared(row=row, upload=UploadedFile(io.BytesIO(b""), upload.filename, stored=upload.stored),
                    sha256=upload.stored.sha256)


def _plan_file(session: Session, ctx: ImportContext, row: ImportRow) -> RecordFile:
    """The row's file in its year's plan, open (a planned file is opened on the record). Raises RowError."""
    record = session.execute(select(RecordFile).join(FilePlan, FilePlan.id == RecordFile.plan_id).where(
        FilePlan.organisation_id == ctx.actor.organisation_id, FilePlan.year == row.year,
        RecordFile.code == row.file_code)).scalar_one_or_none()
    if record is None:
        raise RowError(Refusal("file_code_unknown", N_("The file code %(code)s is not in the %(year)s file plan."),
                               {"code": row.file_code, "year": row.year}))
    if record.status is FileStatus.PLANNED:
        records.open_file(session, actor=ctx.actor, file_id=record.id, now=ctx.now)
    else:
        require_open(record)
    return record


def _input(ctx: ImportContext, row: ImportRow) -> DocumentInput:
    return DocumentInput(kind=row.kind, doc_type=row.doc_type, summary=row.summary, department_id=None,
                         number_symbol=row.number_symbol, document_date=row.document_date,
                         issuing_body=row.issuing_body or (ctx.actor.organisation.name
                                                           if row.kind is not DocumentKind.INCOMING else ""))


def _required(value: datetime | date | None, column: str) -> Any:
    """A date the row must have (parse_row refuses a row without it). Raises RowError."""
    if value is None:
        raise RowError(Refusal("missing_" + column, N_("The column %(column)s is empty."), {"column": column}))
    return value


def _signer(session: Session, ctx: ImportContext, name: str) -> User | None:
    """The docflow user of that full name, when exactly one; else the name stays as text only."""
    if not name:
        return None
    found = list(session.execute(select(User).where(User.organisation_id == ctx.actor.organisation_id,
                                                    User.full_name == name)).scalars())
    return found[0] if len(found) == 1 else None


def _enter_incoming(session: Session, ctx: ImportContext, prepared: Prepared) -> Document:
    row = prepared.row
    arrival: datetime = _required(row.arrival_at, "arrival_date")
    if local_date(ctx.settings, arrival).year != row.year:
        raise RowError(Refusal("year_mismatch", N_("The arrival date %(date)s is not in the year %(year)s."),
                               {"date": arrival.date().isoformat(), "year": row.year}))
    if row.register:
        raise RowError(Refusal("bad_register", N_("The incoming register has one series: leave the register "
                                                  "column empty.")))
    registration = register_incoming(session, actor=ctx.actor, data=_input(ctx, row), upload=prepared.upload,
                                     store=ctx.store, settings=ctx.settings, now=ctx.now, received_at=arrival,
                                     receipt=ReceiptSource.IMPORTED, imported_number=row.key_number)
    _settle(registration.document)
    return registration.document


def _settle(document: Document) -> None:
    """Where the document ended in the previous system, set as a fact rather than moved through docflow's
    flows (policy.move_status has no path from a new document to "issued"): an outgoing document was issued,
    an incoming or internal one was handled there, so none waits in a leader's or a handler's queue here."""
    document.status = DocumentStatus.ISSUED if document.kind is DocumentKind.OUTGOING else DocumentStatus.COMPLETED


def _enter_outgoing(session: Session, ctx: ImportContext, prepared: Prepared) -> Document:
    """An outgoing document issued in the past: its own number in that year's register and series, its
    date, its signer; the PDF as it was issued."""
    row = prepared.row
    day: date = _required(row.document_date, "document_date")
    if day.year != row.year:
        raise RowError(Refusal("year_mismatch", N_("The document date %(date)s is not in the year %(year)s."),
                               {"date": day.isoformat(), "year": row.year}))
    document = doc_service.create_document(session, actor=ctx.actor, data=_input(ctx, row), upload=prepared.upload,
                                           store=ctx.store, max_bytes=ctx.settings.max_upload_bytes, now=ctx.now)
    if row.kind is DocumentKind.OUTGOING:
        register = registers.claim_number(session, organisation=ctx.actor.organisation, kind=RegisterKind.OUTGOING,
                                          year=row.year, number=row.key_number, series=row.register)
        document.register_id, document.register_number, document.series = register.id, row.key_number, row.register
        # the old system kept the issue date only: the start of that day on the ward's clock
        document.issued_at = datetime.combine(day, time(), ctx.settings.app.zone)
    _settle(document)
    signer = _signer(session, ctx, row.signer)
    document.signer_id = signer.id if signer is not None else None
    document.search_text = textsearch.document_search_text(document.summary, document.number_symbol,
                                                           document.issuing_body)
    session.flush()
    signing_service.keep_report_if_signed(session, settings=ctx.settings, store=ctx.store,
                                          version=document.versions[-1])
    return document


def _signature_outcome(session: Session, ctx: ImportContext, sha256: str) -> tuple[str, str]:
    """valid / invalid (with the first reason) / unsigned / unreadable, from the kept verification report."""
    if not looks_signed(ctx.store, sha256):
        return UNSIGNED, ""
    report = signing_service.cached_report(session, settings=ctx.settings, sha256=sha256)
    if report is None:
        return UNREADABLE, "The signatures cannot be read."
    if report["valid"]:
        return VALID, ""
    problems: list[str] = [e["message"] for e in report["errors"]]
    for signature in report["signatures"]:
        problems.extend(p["message"] for p in signature["problems"])
    if not any(not s.get("is_timestamp") for s in report["signatures"]):
        return UNSIGNED, "; ".join(problems)[:500]
    return INVALID, ("; ".join(problems) or "not valid")[:500]


def enter_row(session: Session, ctx: ImportContext, prepared: Prepared) -> Outcome:
    """Enter a prepared row in a savepoint: the document in its register and year under its own number, its
    file, its import record and its audit event; a refusal rolls the savepoint back. Flushes."""
    row = prepared.row
    try:
        with session.begin_nested():
            if _ledger(session, ctx, row) is not None:
                raise RowError(Refusal("duplicate_row", N_("The same document appears twice in the index.")))
            record = _plan_file(session, ctx, row)
            enter = _enter_incoming if row.kind is DocumentKind.INCOMING else _enter_outgoing
            document = enter(session, ctx, prepared)
            status, problem = _signature_outcome(session, ctx, prepared.sha256)
            session.add(ImportedDocument(
                organisation_id=ctx.actor.organisation_id, document_id=document.id, kind=row.kind.value,
                register=row.register, year=row.year, number=row.key_number, symbol=row.symbol,
                sha256=prepared.sha256, source_name=row.file_name[-255:], signer_name=row.signer,
                signatures=status, signature_problem=problem, imported_by_id=ctx.actor.id, imported_at=ctx.now))
            records.add_document(session, actor=ctx.actor, file_id=record.id, document_id=document.id, now=ctx.now)
            audit.record(session, action=AuditAction.DOCUMENT_IMPORTED, actor=ctx.actor, object_type="document",
                         object_id=document.id, now=ctx.now, details=_details(row, document, status, problem))
    except RowError as exc:
        return _refused(row, exc.refusal)
    except DocflowError as exc:
        return _refused(row, refusal_of(exc))
    return Outcome(line=row.line, status=IMPORTED, document_id=document.id, signatures=status,
                   signature_problem=problem)


def _details(row: ImportRow, document: Document, status: str, problem: str) -> dict[str, Any]:
    return {"kind": row.kind.value, "register": row.register, "year": row.year, "number": row.key_number,
            "symbol": row.symbol, "number_symbol": document.number_symbol, "file_code": row.file_code,
            "line": row.line, "source": row.file_name, "sha256": document.versions[-1].sha256,
            "signatures": status, "signature_problem": problem, "signer_name": row.signer}
