"""`docflow backup --out DIR`, `docflow backup verify DIR` and `docflow restore DIR --into FOLDER`.

The backup passphrase (which seals the secrets) comes from DOCFLOW_BACKUP_PASSPHRASE or is asked; ``--no-secrets``
leaves the secrets out knowingly. `backup verify` reads no configuration and no database: a backup is checked
on any machine. `restore` reads no configuration either (there is none yet: no `docflow init` before it);
it writes one into the new folder, then opens it to prove the restored instance.
Exit status of `backup verify` and `restore`: 0 done, 1 refused or a check failed.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

import click

from docflow import appctx
from docflow.commands.context import with_app
from docflow.errors import DocflowError

PASSPHRASE_ENV = "DOCFLOW_BACKUP_PASSPHRASE"


def _passphrase(*, confirm: bool) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise click.ClickException(f"set {PASSPHRASE_ENV} (no terminal to ask the backup passphrase on), "
                                   "or pass --no-secrets")
    return str(click.prompt("Backup passphrase", hide_input=True, confirmation_prompt=confirm))


@click.group(invoke_without_command=True)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="a new (or empty) folder to write the backup into")
@click.option("--no-secrets", is_flag=True, help="leave the secrets out: a restore of it cannot sign")
@click.pass_context
def backup(ctx: click.Context, out: Path | None, no_secrets: bool) -> None:
    """Back up the running instance: database, document files, keys, configuration, sealed secrets."""
    if ctx.invoked_subcommand is not None:
        return
    if out is None:
        raise click.UsageError("--out DIR is required")
    _make(out, None if no_secrets else _passphrase(confirm=True))


@with_app
def _make(out: Path, passphrase: str | None) -> None:
    # Imported here: `docflow backup verify` must not load the database layer.
    from docflow import db
    from docflow.services.backup import make_backup, record_backup

    made = make_backup(settings=appctx.settings(), out=out, passphrase=passphrase)
    with db.transaction() as s:
        record_backup(s, made)
    click.echo(f"Backup written to {out}: {made.database} database (audit log up to event #{made.audit_head.seq}), "
               f"{made.blobs} document files ({made.referenced} named by the database), keys and configuration.")
    if made.secrets:
        click.echo(f"Secrets sealed under the backup passphrase: {', '.join(made.secrets)}.")
    else:
        click.echo("WARNING: the secrets were left out; a restore of this backup verifies but cannot sign"
                   + (f" ({', '.join(made.secrets_left_out)})." if made.secrets_left_out else "."))
    click.echo(f"Manifest SHA-256: {made.manifest_sha256}")


@backup.command("verify")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def verify(folder: Path) -> None:
    """Check a backup offline: every file against the manifest's SHA-256. Exit 0 intact, 1 not."""
    # Imported here: checking a backup loads neither the database layer nor the services.
    from docflow.services.backup.manifest import verify_backup
    try:
        check = verify_backup(folder)
    except DocflowError as exc:
        click.echo(f"NOT INTACT: {exc}", err=True)
        sys.exit(1)
    head = check.header["audit_head"]
    click.echo(f"intact: {check.files} files ({check.size} bytes) match the manifest; {check.header['database']} "
               f"database made {check.header['made_at']} by docflow {check.header['docflow_version']}, audit log "
               f"up to event #{head['seq']}; secrets {'sealed' if check.header['secrets']['file'] else 'left out'}.")


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--into", "into", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="a new (or empty) folder for the restored instance")
@click.option("--database-url", default=None, help="PostgreSQL backups: the empty database to restore into")
@click.option("--no-secrets", is_flag=True, help="restore without the secrets: it verifies but cannot sign")
def restore(folder: Path, into: Path, database_url: str | None, no_secrets: bool) -> None:
    """Restore a backup into an empty folder (no `docflow init` first), then verify what came back."""
    # Imported here: the services load only for the command that uses them.
    from docflow.services.backup import file_sha256, read_header, restore_backup
    try:
        sealed = read_header(folder)["secrets"]["file"] is not None
        passphrase = None if no_secrets or not sealed else _passphrase(confirm=False)
        restored = restore_backup(backup=folder, into=into, passphrase=passphrase, database_url=database_url)
    except DocflowError as exc:
        raise click.ClickException(f"{exc} Nothing was restored.") from None
    for warning in restored.warnings:
        click.echo(f"WARNING: {warning}")
    ok = _check(restored.config_file, restored.header, file_sha256(folder / "manifest.jsonl")[0])
    click.echo(f"Restored into {into}. Run docflow with DOCFLOW_CONFIG={restored.config_file}")
    sys.exit(0 if ok else 1)


def _check(config_file: Path, header: dict[str, Any], manifest_sha256: str) -> bool:
    """Open the restored instance and prove it: the audit chain, its head, every version's SHA-256."""
    # Imported here: the database layer loads only once there is a restored instance to open.
    from docflow import bootstrap, config, db, migrations
    from docflow.services.backup import check_restored, record_restore

    settings = config.load(config_file)
    if settings.app.mode == "production":
        # Proving the restore needs neither the web's secret key nor the signing secret, which a restore
        # without the passphrase does not have: checked as in development, without making either.
        settings = dataclasses.replace(settings, app=dataclasses.replace(settings.app, mode="development"))
    context = bootstrap.open_context(settings)
    try:
        with appctx.bound(context):
            if not migrations.is_current(context.engine):
                click.echo("WARNING: the restored database is from an older docflow: run `docflow init` to migrate it.")
            check = check_restored(db.get_session(), settings=context.settings, store=context.store, header=header)
            with db.transaction() as s:
                record_restore(s, header=header, manifest_sha256=manifest_sha256, check=check)
    finally:
        context.engine.dispose()
    chain = check.chain
    click.echo(f"audit log: {'intact' if chain.intact else 'BROKEN'}, {chain.checked} events, head "
               f"{'matches' if check.head_matches else 'DOES NOT MATCH'} the backup's (#{header['audit_head']['seq']})")
    click.echo(f"document versions: {check.versions} checked, "
               + ("every file matches its SHA-256." if not check.bad_versions
                  else f"{len(check.bad_versions)} missing or changed: {', '.join(check.bad_versions)}"))
    return check.ok
