"""`docflow archive …`: the long-term keeping of the ward's issued documents and files.

- `renew`: the long-term (PAdES B-LTA) renewal of the ward's issued documents (`docflow run` also runs it
  daily: ``start_renewal_scheduler``); the run and its report are kept and shown to the clerk, the auditor and the administrator. Exit status: 0
  nothing failed, 1 a document could not be renewed (the report says why).
- `transfer`: the package of a closed year's files for the archive (R57 metadata, the signed PDFs as stored,
  the verification reports, the audit slices, a manifest signed by the ward).
- `verify`: check such a package anywhere: imports neither Flask nor SQLAlchemy and reads no configuration.
  Exit status: 0 valid, 1 a problem (the file is named), 2 the package cannot be read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from docflow import appctx
from docflow.commands.context import with_app

if TYPE_CHECKING:
    from docflow.appctx import AppContext
    from docflow.services.renewal import RenewalScheduler


def start_renewal_scheduler(context: AppContext) -> RenewalScheduler | None:
    """Start the daily renewal thread of `docflow run` in ``context``; None when [archive] renew_at is ""."""
    if not context.settings.archive.renew_at:
        return None
    # Imported here: the services (and the database layer) load only for the command that serves; `docflow
    # archive verify` must not load them.
    from docflow import db
    from docflow.services.renewal import RenewalScheduler
    return RenewalScheduler(db.transaction, settings=context.settings, store=context.store,
                            scope=lambda: appctx.bound(context)).start()


@click.group("archive")
def archive() -> None:
    """Long-term keeping of the ward's issued documents."""


@archive.command("renew")
@click.option("--user", "username", required=True, help="the clerk or administrator the run is recorded under")
@click.option("--dry-run", is_flag=True, help="only say which issued versions are due; change nothing")
@click.option("--json", "as_json", is_flag=True, help="print the run's report as one JSON object")
@with_app
def renew(username: str, dry_run: bool, as_json: bool) -> None:
    """Renew every issued version whose certificates or last timestamp expire within [archive]
    renew_days_before: validation data and a document timestamp, as a new version. Safe to repeat."""
    # Imported here: the services load only for the commands that use them (CLI start-up time), and
    # `docflow archive verify` must not load the database layer.
    from docflow import db
    from docflow.services import renewal
    from docflow.services.people.users import find_user_by_username
    from docflow.wards import acting_for
    with db.transaction() as s:
        user = find_user_by_username(s, username)
        if user is None:
            raise click.ClickException(f"no user named {username}")
        user_id = user.id
        ward_id = user.organisation_id
    # The run is the user's ward's (docflow.wards): its CA stamps and checks its documents.
    with acting_for(ward_id):
        run = renewal.renew_issued(transaction=db.transaction, settings=appctx.settings(), store=appctx.store(),
                                   actor_id=user_id, dry_run=dry_run)
    report = {"run": run.id, "dry_run": run.dry_run, "margin_days": run.margin_days, "renewed": run.renewed,
              "not_due": run.not_due, "failed": run.failed, "items": run.items}
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else _human(report))
    sys.exit(1 if run.failed else 0)


@archive.command("transfer")
@click.option("--year", type=click.IntRange(min=1900, max=9999), required=True, help="the closed year")
@click.option("--user", "username", required=True, help="the clerk or administrator who hands the files over")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="the package (.zip)")
@click.option("--only-closed", is_flag=True,
              help="leave the year's open files out on purpose (the package's README and manifest name them)")
@with_app
def transfer(year: int, username: str, out: Path, only_closed: bool) -> None:
    """Build the archive transfer package of the ward's closed files of --year and write it to --out."""
    # Imported here, as for renew: `docflow archive verify` must not load the database layer.
    from docflow import db
    from docflow.services.people.users import find_user_by_username
    from docflow.services.records.transfer import build_transfer

    with db.transaction() as s:
        user = find_user_by_username(s, username)
        if user is None:
            raise click.ClickException(f"no user named {username}")
        package = build_transfer(s, settings=appctx.settings(), store=appctx.store(), actor=user, year=year,
                                 only_closed=only_closed)
    # Written only once the transfer is on the record: a refused or failed build writes nothing.
    out.write_bytes(package.data)
    click.echo(f"{out}: {package.files} file(s), {package.documents} document(s), manifest SHA-256 "
               f"{package.manifest_sha256}")
    for code, reason in package.left_out:
        click.echo(f"  left out: {code} ({reason})")


@archive.command("verify")
@click.argument("package", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--trust-root", "trust_roots", multiple=True, required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="the ward's root certificate (PEM or DER), from a trusted source, never from the package")
def verify(package: Path, trust_roots: tuple[Path, ...]) -> None:
    """Check the manifest's signature, every file, metadata.xml against docflow's R57 schema, the audit
    slices and their signed checkpoints, and the PDFs' signatures."""
    # Imported here: the other archive commands need neither (CLI start-up time).
    from docflow.auditlog.transferpack import verify_transfer
    from docflow.commands.evidence import verify_and_exit

    verify_and_exit(package, trust_roots, verify_transfer)


def _human(report: dict[str, Any]) -> str:
    due = "due" if report["dry_run"] else "renewed"
    lines = [f"Renewal run {report['run']} (margin {report['margin_days']} days): {report['renewed']} {due}, "
             f"{report['not_due']} not due, {report['failed']} failed."]
    for item in report["items"]:
        name = item.get("number_symbol") or f"#{item['document_id']}"
        line = f"  {name} v{item['version']}: {item['outcome']}"
        if item.get("protected_until"):
            line += f" (protected until {item['protected_until'][:10]})"
        if item.get("new_version"):
            line += f" -> v{item['new_version']}"
        if item.get("message"):
            line += f": {_text(item['message'], item.get('params', {}))}"
        lines.append(line)
    return "\n".join(lines)


def _text(message: str, params: dict[str, Any]) -> str:
    try:
        return message % params if params else message
    except (KeyError, ValueError, TypeError):
        return message
