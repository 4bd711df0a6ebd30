"""Bringing the past in (issue 14 §4): `docflow import FOLDER` reads the previous system's index row by row
(``rows``), prepares and enters each document in its register, year and file (``entering``), and writes the
report of refused rows (``report``); ``record_run`` is the run's audit event with its counts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.importing.entering import (
    ALREADY,
    IMPORTED,
    INVALID,
    REFUSED,
    UNREADABLE,
    UNSIGNED,
    VALID,
    ImportContext,
    Outcome,
    Prepared,
    enter_row,
    file_sha256,
    prepare_rows,
    require_importer,
    resolve_file,
)
from docflow.services.importing.report import Counts, ReportWriter, entry
from docflow.services.importing.rows import COLUMNS, ImportRow, IndexFileError, Refusal, read_index


def record_run(session: Session, *, ctx: ImportContext, index: Path, counts: Counts) -> None:
    """The run's audit event, named by the index file's SHA-256: the folder, the index and the counts.
    Flushes."""
    audit.record(session, action=AuditAction.IMPORT_RUN, actor=ctx.actor, object_type="import_index",
                 object_id=file_sha256(index), now=ctx.now,
                 details={"folder": str(ctx.folder), "index": str(index), **counts.as_dict()})


__all__ = ["ALREADY", "COLUMNS", "IMPORTED", "INVALID", "REFUSED", "UNREADABLE", "UNSIGNED", "VALID", "Counts",
           "ImportContext", "ImportRow", "IndexFileError", "Outcome", "Prepared", "Refusal", "ReportWriter",
           "enter_row", "entry", "file_sha256", "prepare_rows", "read_index", "record_run", "require_importer", "resolve_file"]
