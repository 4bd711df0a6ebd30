"""`docflow backup`: a consistent copy of a running instance into one folder another machine can restore.

Order matters: the database is dumped first, then the blobs are copied. Blobs are written once and before
the transaction that names them commits, so every blob the dump names is already on disk when the copy
starts; a blob written after the dump is an extra file, harmless. Each blob is hashed as it is copied and
must match its name, and every blob the dumped database names is checked to be in the backup.
The backup is built under a hidden partial folder and renamed into place at the end, so a folder with a
manifest is always a whole backup.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_, StorageError, ValidationError
from docflow.private_files import private_dir, private_parent
from docflow.services import audit
from docflow.services.backup import vault
from docflow.services.backup.database import AuditHead, audit_head, dumped, kind_of, referenced_blobs
from docflow.services.backup.manifest import write_manifest
from docflow.storage import CHUNK

SECRETS_FILE = "secrets.enc"


@dataclass(frozen=True)
class BackupMade:
    """What a backup holds, for the command's summary and the audit event."""
    folder: Path
    manifest_sha256: str
    database: str
    audit_head: AuditHead
    blobs: int
    referenced: int
    secrets: tuple[str, ...]
    secrets_left_out: tuple[str, ...]


def make_backup(*, settings: Settings, out: Path, passphrase: str | None) -> BackupMade:
    """Back up the instance of ``settings`` into the new folder ``out``; with ``passphrase`` None the
    secrets are left out (a restore then cannot sign). Raises ValidationError (``out`` not empty, a short
    passphrase) or StorageError (a dump that failed, a blob the database names that is missing or damaged)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValidationError(N_("The backup folder %(folder)s is not empty: choose a new folder."), folder=str(out))
    found = vault.gather_secrets(settings)
    sealed = vault.seal(found, passphrase) if passphrase is not None else None
    partial = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=private_parent(out)))
    try:
        made = _fill(settings, partial, sealed)
        header = _header(settings, made, [s.name for s in found], sealed is not None)
        manifest_sha256 = write_manifest(partial, header, known=blob_digest)
        move_into(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    names = tuple(s.name for s in found)
    return BackupMade(folder=out, manifest_sha256=manifest_sha256, database=kind_of(settings.database_url),
                      audit_head=made["head"], blobs=made["blobs"], referenced=made["referenced"],
                      secrets=names if sealed else (), secrets_left_out=() if sealed else names)


def move_into(partial: Path, target: Path) -> None:
    """Rename the finished ``partial`` folder to ``target`` (absent or empty). Raises ValidationError when
    ``target`` was filled meanwhile (another backup or restore into the same folder won the race)."""
    try:
        if target.exists():
            target.rmdir()
        partial.rename(target)
    except OSError:
        raise ValidationError(N_("The folder %(folder)s is no longer empty: another backup or restore wrote into "
                                 "it meanwhile."), folder=str(target)) from None


def _fill(settings: Settings, root: Path, sealed: bytes | None) -> dict[str, Any]:
    with dumped(settings.database_url, root) as conn:
        blobs = copy_blobs(settings.blobs_dir, root / "blobs")
        referenced = 0
        with closing(referenced_blobs(conn)) as named:
            for sha256 in named:
                if not (root / "blobs" / sha256[:2] / sha256[2:4] / sha256).is_file():
                    raise StorageError(N_("The database names the file %(sha256)s, which is missing or damaged in "
                                          "the document store: the backup was not made."), sha256=sha256)
                referenced += 1
        head = audit_head(conn)
    config = _copy_config(settings, root)
    if settings.app.keys_dir.is_dir():
        shutil.copytree(settings.app.keys_dir, root / "keys", copy_function=shutil.copy2)
    if sealed is not None:
        (root / SECRETS_FILE).write_bytes(sealed)
        os.chmod(root / SECRETS_FILE, 0o600)
    return {"head": head, "blobs": blobs, "referenced": referenced, "config": config}


def blob_digest(root: Path, relative: str) -> str | None:
    """A copied blob's SHA-256 without reading it again: its name, which ``copy_blobs`` checked its content
    against while copying (anything else under blobs/ is hashed as usual)."""
    name = relative.rsplit("/", 1)[-1]
    return name if relative.startswith("blobs/") and name.startswith(relative[6:8]) and len(name) == 64 else None


def _blob_files(store: Path) -> Iterator[Path]:
    """The store's blob files (two levels of folders by prefix); its tmp folder of uploads in progress is not."""
    if not store.is_dir():
        return
    for first in sorted(store.iterdir()):
        if first.is_dir() and len(first.name) == 2:
            for second in sorted(first.iterdir()):
                if second.is_dir():
                    yield from sorted(p for p in second.iterdir() if p.is_file())


def copy_blobs(store: Path, target: Path) -> int:
    """Copy every blob of the store whose content matches its name, hashing in 1 MiB chunks; returns how
    many. A damaged blob is left out, and the check of the referenced blobs then names it if it matters."""
    copied, folder = 0, None
    for source in _blob_files(store):
        relative = source.relative_to(store)
        if relative.parent != folder:
            folder = relative.parent
            private_dir(target / folder)
        digest = hashlib.sha256()
        with source.open("rb") as src, (target / relative).open("wb") as dst:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                dst.write(chunk)
        if digest.hexdigest() != source.name:
            (target / relative).unlink()
            continue
        os.chmod(target / relative, 0o400)
        copied += 1
    return copied


def _copy_config(settings: Settings, root: Path) -> dict[str, Any]:
    """The configuration file and the files it names that are not secrets (CA chain, trust roots, the
    holiday calendar), and where each went in the backup."""
    config: dict[str, Any] = {"file": None, "files": {}}
    if settings.source is not None:
        private_dir(root / "config")
        shutil.copy2(settings.source, root / "config" / "docflow.toml")
        config["file"] = "config/docflow.toml"
    named = {"signing.ca_chain": settings.signing.ca_chain, "signing.trust_roots": settings.signing.trust_roots,
             "workflow.holidays_file": (settings.workflow.holidays_file,) if settings.workflow.holidays_file else ()}
    for key, paths in named.items():
        placed = []
        for index, path in enumerate(paths):
            private_dir(root / "config" / "files")
            relative = f"config/files/{key}-{index}-{path.name}"
            shutil.copy2(path, root / relative)
            placed.append(relative)
        config["files"][key] = placed
    return config


def _header(settings: Settings, made: dict[str, Any], secrets: list[str], sealed: bool) -> dict[str, Any]:
    head: AuditHead = made["head"]
    return {"docflow_version": importlib.metadata.version("docflow"), "database": kind_of(settings.database_url),
            "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "audit_head": {"seq": head.seq, "hash": head.hash}, "blobs": made["blobs"],
            "referenced_blobs": made["referenced"], "config": made["config"], "keys": (settings.app.keys_dir.is_dir()),
            "secrets": {"file": SECRETS_FILE if sealed else None, "names": secrets if sealed else [],
                        "left_out": [] if sealed else secrets}}


def record_backup(session: Session, made: BackupMade) -> None:
    """The audit event of a backup made: the manifest's SHA-256 and the audit head it holds. Flushes."""
    audit.record(session, action=audit.AuditAction.BACKUP_MADE, actor=None, object_type="backup",
                 details={"manifest_sha256": made.manifest_sha256, "database": made.database,
                          "audit_seq": made.audit_head.seq, "audit_hash": made.audit_head.hash,
                          "blobs": made.blobs, "secrets_included": bool(made.secrets)})
