"""`docflow evidence …`: build an evidence pack from the database, and verify one anywhere.

`docflow evidence verify PACK.zip --trust-root CA.pem` imports neither Flask nor SQLAlchemy and reads no
configuration: it runs in an empty directory on a machine with only docflow installed.
Exit status of verify: 0 valid, 1 a problem (the file is named), 2 the pack cannot be read.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import click

from docflow import appctx
from docflow.commands.context import with_app
from docflow.errors import ConfigurationError
from docflow.auditlog.evidencepack import PackReport, PackUnreadable, verify_pack

EXIT_VALID, EXIT_PROBLEM, EXIT_UNREADABLE = 0, 1, 2


@click.group()
def evidence() -> None:
    """Evidence packs: a document's (or a register range's) proof, verifiable offline."""


@evidence.command("build")
@click.option("--document", "document_id", type=click.IntRange(min=1), default=None, help="the document's number")
@click.option("--register", "register_kind", type=click.Choice(["incoming", "outgoing"]), default=None,
              help="a register range instead of one document (with --year, --first and --last)")
@click.option("--year", type=click.IntRange(min=2000, max=2999), default=None)
@click.option("--first", type=click.IntRange(min=1), default=None)
@click.option("--last", type=click.IntRange(min=1), default=None)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_app
def build(document_id: int | None, register_kind: str | None, year: int | None, first: int | None,
          last: int | None, out: Path) -> None:
    """Build the pack of a document or a register range and write it to --out."""
    # Imported here: `docflow evidence verify` must not load the database layer.
    from docflow import db
    from docflow.models import RegisterKind
    from docflow.services import evidence as evidence_service

    settings, store = appctx.settings(), appctx.store()
    with db.transaction() as s:
        if document_id is not None:
            pack = evidence_service.build_document_pack(s, settings=settings, store=store, actor=None,
                                                        document_id=document_id)
        elif register_kind and year and first and last:
            pack = evidence_service.build_register_pack(s, settings=settings, store=store, actor=None,
                                                        kind=RegisterKind(register_kind), year=year, first=first,
                                                        last=last)
        else:
            raise click.UsageError("give --document ID, or --register KIND --year Y --first N --last M")
    out.write_bytes(pack.data)
    click.echo(f"{out}: {pack.documents} document(s), manifest SHA-256 {pack.manifest_sha256}")


@evidence.command("verify")
@click.argument("pack", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--trust-root", "trust_roots", multiple=True, required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="the ward's root certificate (PEM or DER), from a trusted source, never from the pack")
def verify(pack: Path, trust_roots: tuple[Path, ...]) -> None:
    """Check every file, the audit segments and their signed checkpoints, and the PDFs' signatures."""
    verify_and_exit(pack, trust_roots, verify_pack)


def verify_and_exit(pack: Path, trust_roots: Sequence[Path],
                    check: Callable[[Path, list[bytes]], PackReport]) -> NoReturn:
    """Run ``check`` on a pack, print each problem with its file and a summary, and exit 0 (valid), 1 (a
    problem) or 2 (unreadable); shared by `docflow evidence verify` and `docflow archive verify`."""
    try:
        roots = [p.read_bytes() for p in trust_roots]
        report = check(pack, roots)
    except (OSError, PackUnreadable, ConfigurationError) as exc:
        click.echo(f"UNREADABLE: {exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    for finding in report.problems:
        click.echo(f"PROBLEM {finding.path or pack.name}: {finding.message}")
    summary = (f"{report.files_checked} files, {report.events_checked} audit events under checkpoints "
               f"{', '.join(f'#{s}' for s in report.checkpoints) or '-'}, {report.signatures_checked} PDF signatures")
    if report.ok:
        click.echo(f"VALID / HỢP LỆ: {summary}")
        sys.exit(EXIT_VALID)
    click.echo(f"NOT VALID / KHÔNG HỢP LỆ: {len(report.problems)} problem(s); {summary}")
    sys.exit(EXIT_PROBLEM)
