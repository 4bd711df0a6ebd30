"""A previous system's export for the import tests: a folder of PDFs and its index, and the command run
in-process on the rolled-back ward."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.commands.importing import import_command
from docflow.models import AuditEvent, Document, ImportedDocument

HEADER = ("kind", "type", "register", "year", "number", "symbol", "document_date", "arrival_date", "arrival_number",
          "issuing_body", "summary", "signer", "file_name", "file_code")


def row(kind: str, number: str, file_name: str, *, year: str = "2025", file_code: str = "01.VP",
        arrival_number: str = "", symbol: str = "UBND-VP", type_: str = "cong_van", register: str = "",
        document_date: str = "03/03/2025", arrival_date: str = "", issuing_body: str = "",
        summary: str = "Về việc chuyển đổi hệ thống", signer: str = "") -> dict[str, str]:
    return {"kind": kind, "type": type_, "register": register, "year": year, "number": number, "symbol": symbol,
            "document_date": document_date, "arrival_date": arrival_date, "arrival_number": arrival_number,
            "issuing_body": issuing_body, "summary": summary, "signer": signer, "file_name": file_name,
            "file_code": file_code}


def write_folder(folder: Path, rows: Sequence[dict[str, str]], files: dict[str, bytes], *, delimiter: str = ",",
                 header: Sequence[str] = HEADER, bom: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with (folder / "index.csv").open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        for r in rows:
            writer.writerow([r[key] for key in HEADER])
    return folder


def make_invoke(app: Any) -> Callable[..., Result]:
    @click.group()
    def docflow() -> None:
        pass

    docflow.add_command(import_command)

    def run(*args: str) -> Result:
        with app.app_context():
            return CliRunner().invoke(docflow, ["import", *args], catch_exceptions=False)
    return run


def counts(session: Session) -> tuple[int, int, int]:
    """Documents, import records and audit events: what a rerun must not change."""
    return (session.execute(select(func.count()).select_from(Document)).scalar_one(),
            session.execute(select(func.count()).select_from(ImportedDocument)).scalar_one(),
            session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())
