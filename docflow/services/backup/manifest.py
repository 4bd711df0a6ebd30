"""A backup's manifest: what it holds, every file with its SHA-256, checked offline.

``manifest.jsonl`` is JSON Lines: the first line says what the backup is (docflow version, database kind,
time, the audit chain's head in the dumped database, whether secrets are in); then one line per file in the
backup, in one fixed order (paths sorted folder by folder). The order lets ``verify_backup`` compare the
folder and the manifest as two sorted streams, so checking 100,000 blobs takes the memory of one.
No database, no configuration: a backup verifies on any machine with docflow installed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docflow.errors import N_, ValidationError
from docflow.storage import sha256_stream

FORMAT = "docflow-backup-1"
MANIFEST = "manifest.jsonl"


@dataclass(frozen=True)
class BackupCheck:
    """What ``verify_backup`` found: the header, the number of files and bytes checked."""
    header: dict[str, Any]
    files: int
    size: int


def file_sha256(path: Path) -> tuple[str, int]:
    """SHA-256 hex and size of a file, read in 1 MiB chunks."""
    with path.open("rb") as fh:
        return sha256_stream(fh)


def walk_sorted(root: Path, folder: str = "") -> Iterator[str]:
    """Every file under ``root`` as a relative POSIX path, in the manifest's order (names sorted, a folder's
    files where its name sorts). The manifest itself is left out."""
    with os.scandir(root / folder if folder else root) as entries:
        names = sorted((e.name, e.is_dir(follow_symlinks=False)) for e in entries)
    for name, is_dir in names:
        relative = f"{folder}/{name}" if folder else name
        if is_dir:
            yield from walk_sorted(root, relative)
        elif relative != MANIFEST:
            yield relative


def write_manifest(root: Path, header: dict[str, Any],
                   known: Callable[[Path, str], str | None] | None = None) -> str:
    """Write ``root/manifest.jsonl`` for every file under ``root``; returns the manifest's own SHA-256.
    ``known`` gives the SHA-256 of a file already hashed as it was written (None: hash it now)."""
    partial = root / (MANIFEST + ".part")
    with partial.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"format": FORMAT, **header}, ensure_ascii=False, sort_keys=True) + "\n")
        for relative in walk_sorted(root):
            if relative == partial.name:
                continue
            sha256 = known(root, relative) if known else None
            if sha256 is None:
                sha256, size = file_sha256(root / relative)
            else:
                size = (root / relative).stat().st_size
            out.write(json.dumps({"path": relative, "sha256": sha256, "size": size}, ensure_ascii=False) + "\n")
        out.flush()
        os.fsync(out.fileno())
    partial.replace(root / MANIFEST)
    return file_sha256(root / MANIFEST)[0]


def read_header(root: Path) -> dict[str, Any]:
    """The manifest's first line. Raises ValidationError when there is no readable manifest."""
    try:
        with (root / MANIFEST).open(encoding="utf-8") as fh:
            header: dict[str, Any] = json.loads(fh.readline())
    except (OSError, ValueError) as exc:
        raise ValidationError(N_("%(folder)s is not a docflow backup: its manifest cannot be read (%(reason)s)."),
                              folder=str(root), reason=str(exc)) from exc
    if header.get("format") != FORMAT:
        raise ValidationError(N_("%(folder)s is not a docflow backup of a known format."), folder=str(root))
    return header


def _listed(root: Path) -> Iterator[dict[str, Any]]:
    with (root / MANIFEST).open(encoding="utf-8") as fh:
        fh.readline()
        for number, line in enumerate(fh, start=2):
            try:
                entry: dict[str, Any] = json.loads(line)
                entry["path"], entry["sha256"], entry["size"]
            except (ValueError, KeyError, TypeError):
                raise ValidationError(N_("The backup's manifest is damaged at line %(line)s."), line=number) from None
            yield entry


def _order(path: str) -> list[str]:
    """The walk's order as a sort key: part by part ("a/x" comes before "a-b", as the walk yields them)."""
    return path.split("/")


def verify_backup(root: Path) -> BackupCheck:
    """Check every file of the backup against the manifest: same set of files, same sizes and SHA-256.

    Raises ValidationError naming the first file that is missing, extra or changed. Reads; writes nothing.
    """
    header = read_header(root)
    files = size = 0
    config_files: set[str] = set()
    present, listed = walk_sorted(root), _listed(root)
    here, entry = next(present, None), next(listed, None)
    while here is not None or entry is not None:
        if entry is None or (here is not None and _order(here) < _order(entry["path"])):
            raise ValidationError(N_("The backup holds a file its manifest does not list: %(file)s."), file=here)
        if here is None or _order(here) > _order(entry["path"]):
            raise ValidationError(N_("A file listed in the backup's manifest is missing: %(file)s."),
                                  file=entry["path"])
        if file_sha256(root / here) != (entry["sha256"], entry["size"]):
            raise ValidationError(N_("A file of the backup does not match its manifest (SHA-256): %(file)s."),
                                  file=here)
        files, size = files + 1, size + entry["size"]
        if here.startswith("config/"):
            config_files.add(here)
        here, entry = next(present, None), next(listed, None)
    _check_config_paths(header, config_files)
    return BackupCheck(header=header, files=files, size=size)


def _check_config_paths(header: dict[str, Any], listed: set[str]) -> None:
    """The paths the header names for the configuration (a restore copies them to the same place in the new
    folder) must be files of the backup under config/: a made-up ``../../etc/x`` would write outside it."""
    config = header.get("config")
    named = [config.get("file")] + [p for paths in config.get("files", {}).values() for p in paths] \
        if isinstance(config, dict) else [object()]
    for path in named:
        if path is None:
            continue
        if not isinstance(path, str) or ".." in path.split("/") or path not in listed \
                or not (path == "config/docflow.toml" or path.startswith("config/files/")):
            raise ValidationError(N_("The backup's manifest names a configuration file that is not in the "
                                     "backup: %(file)s."), file=str(path))
