"""`docflow audit …`: verify the chain (in the database or an export file), sign a checkpoint, export.

Each ward has a chain of its own: `docflow --ward CODE audit verify|export|checkpoint` works on that ward's;
a deployment with one ward needs no --ward, and `audit checkpoint` without it signs every ward's chain in turn.
`docflow audit verify --export FILE --trust-root CA.pem` imports neither Flask nor SQLAlchemy and reads no
configuration: an auditor runs it on any machine with docflow installed (an export holds one ward's chain).
Exit status of verify: 0 intact, 1 a problem found, 2 unreadable input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from docflow import appctx
from docflow.auditlog.chain import ChainReport
from docflow.auditlog.export import ExportUnreadable, line_of, verify_export
from docflow.commands.context import with_app

EXIT_INTACT, EXIT_PROBLEM, EXIT_UNREADABLE = 0, 1, 2


@click.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@click.option("--from", "from_seq", type=click.IntRange(min=1), default=None)
@click.option("--to", "to_seq", type=click.IntRange(min=1), default=None)
@click.option("--export", "export", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="verify this export file instead of the database (no database or configuration needed)")
@click.option("--trust-root", "trust_roots", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="the ward's root certificate (PEM) to check checkpoint signatures against; with --export")
def verify(from_seq: int | None, to_seq: int | None, export: Path | None, trust_roots: tuple[Path, ...]) -> None:
    """Recompute the hash chain and every checkpoint signature; exit 0 intact, 1 problem, 2 unreadable."""
    if export is not None:
        _verify_export(export, trust_roots)
    _verify_database(from_seq, to_seq)


def _verify_export(path: Path, trust_roots: tuple[Path, ...]) -> None:
    if not trust_roots:
        raise click.UsageError("--export needs --trust-root CA.pem (the root is never taken from the file)")
    try:
        roots = [p.read_bytes() for p in trust_roots]
        report = verify_export(path, roots)
    except (OSError, ExportUnreadable, ValueError) as exc:
        click.echo(f"UNREADABLE: {exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    where = f" (line {line_of(path, report.problem.seq)} of {path.name})" if report.problem else ""
    sys.exit(_print(report, where))


@with_app
def _verify_database(from_seq: int | None, to_seq: int | None) -> None:
    # Imported here: `docflow audit verify --export` must not load the database layer.
    from docflow import db
    from docflow.services import audit as audit_service
    from docflow.services.audit.checkpoints import trust_for

    ward = audit_service.chain_ward(db.get_session())
    report = audit_service.verify_chain(db.get_session(), from_seq=from_seq, to_seq=to_seq,
                                        trust=trust_for(appctx.settings()), organisation_id=ward)
    with db.transaction() as s:
        audit_service.record(s, action=audit_service.AuditAction.AUDIT_VERIFIED, actor=None, object_type="audit",
                             organisation_id=ward,
                             details={"checked": report.checked, "intact": report.intact, "via": "cli",
                                      "problem_seq": report.problem_seq,
                                      "checkpoints_checked": report.checkpoints_checked})
    sys.exit(_print(report, ""))


def _print(report: ChainReport, where: str) -> int:
    cp = report.last_checkpoint
    last = (f"last checkpoint #{cp.seq} signed {cp.created_at:%Y-%m-%d %H:%M:%S} UTC by {cp.signer}"
            + (f", timestamped {cp.timestamped_at:%Y-%m-%d %H:%M:%S} UTC" if cp.timestamped_at else "")
            if cp else "no checkpoints")
    for note in report.notes:
        if note != "no checkpoints":
            click.echo(f"note: {note}")
    if report.problem is None:
        span = f" (#{report.first_seq}–#{report.last_seq})" if report.checked else ""
        n = report.checkpoints_checked
        click.echo(f"intact: {report.checked} events checked{span}; {n} checkpoint{'' if n == 1 else 's'} verified; "
                   f"{last}")
        return EXIT_INTACT
    proof = (f"proved by signed checkpoint #{report.proving_checkpoint_seq}" if report.proving_checkpoint_seq
             else "no signed checkpoint covers it yet")
    click.echo(f"BROKEN at event #{report.problem.seq}{where}: {report.problem.kind.value} — {report.problem.detail}; "
               f"{proof} ({report.checked} events before it are intact; "
               f"{last if cp else 'no verified checkpoint before it'})")
    return EXIT_PROBLEM


@audit.command("checkpoint")
@with_app
def checkpoint() -> None:
    """Sign the head of the ward's chain now with the ward's system key (every ward's in turn when the
    deployment serves several and --ward names none)."""
    # Imported here: `docflow audit verify --export` must not load the database layer.
    from docflow import db, wards
    from docflow.errors import ConfigurationError
    from docflow.services.people.organisation import list_wards

    every = list_wards(db.get_session())
    if wards.current_ward_id() is not None or wards.requested_code() is not None or len(every) < 2:
        _checkpoint_ward(None, "")
        return
    failed = 0
    for ward in every:
        try:
            with wards.acting_for(ward.id):   # its own system key signs its chain
                _checkpoint_ward(ward.id, f"{ward.code}: ")
        except ConfigurationError as exc:
            click.echo(f"{ward.code}: no checkpoint: {exc}", err=True)
            failed += 1
    if failed:
        sys.exit(EXIT_PROBLEM)


def _checkpoint_ward(ward: int | None, label: str) -> None:
    # Imported here: `docflow audit verify --export` must not load the database layer.
    from docflow import db
    from docflow.services.audit.checkpoints import checkpointer_of, create_checkpoint

    with db.transaction() as s:
        checkpointer = checkpointer_of(s)
        if checkpointer is None:
            raise click.ClickException("checkpoints are not set up in this app")
        row = create_checkpoint(s, checkpointer=checkpointer, organisation_id=ward)
        if row is None:
            click.echo(f"{label}The audit log is empty: nothing to sign.")
            return
        seq, stamped = row.seq, row.timestamp_token is not None
    click.echo(f"{label}Checkpoint #{seq} signed" + (" and timestamped." if stamped else " (no timestamp authority)."))


@audit.command("export")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--from", "from_seq", type=click.IntRange(min=1), default=None)
@click.option("--to", "to_seq", type=click.IntRange(min=1), default=None)
@with_app
def export(out: Path, from_seq: int | None, to_seq: int | None) -> None:
    """Write the log with its checkpoints and certificates as JSON Lines (verify it with --export)."""
    # Imported here: `docflow audit verify --export` must not load the database layer.
    from docflow import db
    from docflow.services import audit as audit_service
    from docflow.services.audit.export import export_log

    ward = audit_service.chain_ward(db.get_session())
    partial = out.with_name(out.name + ".part")
    with partial.open("w", encoding="utf-8") as fh:
        summary = export_log(db.get_session(), fh, settings=appctx.settings(), from_seq=from_seq, to_seq=to_seq,
                             organisation_id=ward)
    partial.replace(out)
    with db.transaction() as s:
        audit_service.record(s, action=audit_service.AuditAction.AUDIT_EXPORTED, actor=None, object_type="audit",
                             organisation_id=ward,
                             details={"events": summary.events, "checkpoints": summary.checkpoints,
                                      "from_seq": summary.first_seq, "to_seq": summary.last_seq})
    click.echo(f"Exported {summary.events} events and {summary.checkpoints} checkpoints to {out}.")
