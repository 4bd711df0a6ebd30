"""`docflow restore`: a backup brought back into an empty folder (and, for PostgreSQL, an empty database),
with no `docflow init` before it.

Everything that can refuse is checked before anything is written: every file against the manifest, the
passphrase against the sealed secrets, the folder and the database for emptiness. The instance is then
built in a hidden partial folder beside the target and renamed into place; PostgreSQL is restored last, in
one transaction. So a refused or failed restore leaves nothing half-restored.
"""

from __future__ import annotations

import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docflow.errors import N_, ValidationError
from docflow.private_files import private_dir, private_parent, write_private
from docflow.services.backup import vault
from docflow.services.backup.database import PG_FILE, SQLITE_FILE, check_empty_postgres, restore_postgres, restore_sqlite
from docflow.services.backup.making import SECRETS_FILE, move_into
from docflow.services.backup.manifest import verify_backup
from docflow.services.backup.tomlfile import toml_text

CONFIG_NAME = "docflow.toml"
# Where each secret goes in the restored folder (the configuration points at the first two).
SECRET_PATHS = {"secret_key": "secrets/secret_key", "key_secret": "secrets/key_secret",
                "ca_passphrase": "var/ca_passphrase"}


@dataclass(frozen=True)
class Restored:
    """What a restore wrote: the configuration to point DOCFLOW_CONFIG at, and what the operator must know."""
    folder: Path
    config_file: Path
    header: dict[str, Any]
    secrets: tuple[str, ...]
    warnings: list[str] = field(default_factory=list)


def restore_backup(*, backup: Path, into: Path, passphrase: str | None,
                   database_url: str | None = None) -> Restored:
    """Restore ``backup`` into the new or empty folder ``into``; ``passphrase`` None leaves the secrets out.

    Raises ValidationError (a file that does not match the manifest, a wrong passphrase, a folder or
    database that is not empty, a PostgreSQL backup without a database to go into) or StorageError
    (pg_restore failed). Nothing is left behind when it raises.
    """
    header = verify_backup(backup).header
    secrets = _unseal(backup, header, passphrase)
    if into.exists() and (not into.is_dir() or any(into.iterdir())):
        raise ValidationError(N_("The folder %(folder)s is not empty: a restore only goes into an empty folder."),
                              folder=str(into))
    raw = _original_config(backup, header)
    url = _target_url(header, raw, database_url)
    partial = Path(tempfile.mkdtemp(prefix=f".{into.name}.restoring-", dir=private_parent(into)))
    try:
        _fill(backup, partial, header, secrets)
        write_private(partial / CONFIG_NAME, toml_text(_restored_config(raw, header, url, secrets)).encode("utf-8"))
        if url is not None:
            restore_postgres(url, backup / PG_FILE)
        move_into(partial, into)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Restored(folder=into, config_file=into / CONFIG_NAME, header=header,
                    secrets=tuple(s.name for s in secrets), warnings=_warnings(header, secrets, raw))


def _unseal(backup: Path, header: dict[str, Any], passphrase: str | None) -> list[vault.Secret]:
    if header["secrets"]["file"] is None or passphrase is None:
        return []
    return vault.unseal((backup / SECRETS_FILE).read_bytes(), passphrase)


def _original_config(backup: Path, header: dict[str, Any]) -> dict[str, Any]:
    if header["config"]["file"] is None:
        return {}
    with (backup / header["config"]["file"]).open("rb") as fh:
        return tomllib.load(fh)


def _target_url(header: dict[str, Any], raw: dict[str, Any], database_url: str | None) -> str | None:
    """The empty PostgreSQL database to restore into (checked), or None for SQLite."""
    if header["database"] != "postgresql":
        if database_url:
            raise ValidationError(N_("This backup holds a SQLite database: --database-url does not apply."))
        return None
    url = database_url or raw.get("database", {}).get("url", "")
    if not url or "{password}" in url:
        raise ValidationError(N_("This backup holds a PostgreSQL database: name the empty database to restore "
                                 "into with --database-url."))
    check_empty_postgres(url)
    return str(url)


def _fill(backup: Path, root: Path, header: dict[str, Any], secrets: list[vault.Secret]) -> None:
    private_dir(root / "var")
    if (backup / "blobs").is_dir():
        shutil.copytree(backup / "blobs", root / "var" / "blobs", copy_function=shutil.copy2)
    if (backup / "keys").is_dir():
        shutil.copytree(backup / "keys", root / "keys", copy_function=shutil.copy2)
    for placed in header["config"]["files"].values():
        for relative in placed:
            private_dir((root / relative).parent)
            shutil.copy2(backup / relative, root / relative)
    for secret in secrets:
        write_private(root / SECRET_PATHS[secret.name], (secret.value + "\n").encode("utf-8"))
    if header["database"] == "sqlite":
        restore_sqlite(backup / SQLITE_FILE, root / "var" / "docflow.db")


def _restored_config(raw: dict[str, Any], header: dict[str, Any], url: str | None,
                     secrets: list[vault.Secret]) -> dict[str, Any]:
    """The backed-up configuration with its paths pointed into the restored folder (relative to it)."""
    config = {section: dict(values) for section, values in raw.items()}
    app, signing = config.setdefault("app", {}), config.setdefault("signing", {})
    app.update(data_dir="var", keys_dir="keys")
    app.pop("secret_key_file", None)
    if any(s.name == "secret_key" for s in secrets):
        app["secret_key_file"] = SECRET_PATHS["secret_key"]
    # Always named, restored or not: without it a fresh server secret would be made, and every PIN would
    # then look wrong and lock its key; a missing file says plainly that signing needs the secret.
    signing["key_secret_file"] = SECRET_PATHS["key_secret"]
    files = header["config"]["files"]
    signing["ca_chain"], signing["trust_roots"] = files["signing.ca_chain"], files["signing.trust_roots"]
    if files["workflow.holidays_file"]:
        config.setdefault("workflow", {})["holidays_file"] = files["workflow.holidays_file"][0]
    database = config.setdefault("database", {})
    if url is None:
        database.pop("url", None)
    else:
        database["url"] = url
    return {k: v for k, v in config.items() if v}


def _warnings(header: dict[str, Any], secrets: list[vault.Secret], raw: dict[str, Any]) -> list[str]:
    have = {s.name for s in secrets}
    missing = [name for name in [*header["secrets"]["names"], *header["secrets"]["left_out"]] if name not in have]
    warnings = []
    if missing:
        warnings.append(_say(N_("The secrets were not restored (%(names)s): the documents, the registers and the audit "
                           "log are back and verify, but nobody can sign until the secrets are restored "
                           "(run the restore again with the backup passphrase)."), names=", ".join(missing)))
    env = [s for s in secrets if s.source.startswith("env:")]
    if env:
        warnings.append(_say(N_("Some secrets came from environment variables; their values are now in the restored "
                           "folder's secrets/ and var/ files (%(names)s). In production set the variables again."),
                             names=", ".join(s.source.removeprefix("env:") for s in env)))
    if raw.get("signing", {}).get("tokens"):
        warnings.append(N_("Keys on hardware tokens (signing.tokens) are not in a backup: plug the tokens in."))
    return warnings


def _say(message: str, **params: str) -> str:
    return message % params
