"""Files only docflow's own user may read: keys, the database, blobs and secrets (0600 files, 0700 folders).

Modes are set when a path is created, never left to the umask: a confidential PDF or a key file readable
by any local account is a leak even when nothing else goes wrong.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE_MODE = 0o600
READ_ONLY_MODE = 0o400
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` and its missing parents owner-only; an existing folder docflow owns is made 0700."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(folder, DIR_MODE)   # mkdir's mode is filtered by the umask
    status = path.stat()
    # A shared sticky folder (/tmp) is never docflow's own, even when root owns both: a key written straight
    # into /tmp by root must not close /tmp to every other user.
    if status.st_uid == os.getuid() and not status.st_mode & stat.S_ISVTX:
        os.chmod(path, DIR_MODE)
    return path


def private_parent(path: Path) -> Path:
    """The folder ``path`` will be made in, with its missing folders created owner-only; a folder that exists
    keeps its mode (the administrator's /tmp or /var/backups is never made 0700 for a backup made inside it)."""
    parent = path.resolve().parent
    if not parent.exists():
        private_dir(parent)
    return parent


def write_private(path: Path, data: bytes) -> None:
    """Write ``path`` atomically as a 0600 file (its folder made private first)."""
    private_dir(path.parent)
    partial = path.with_name(path.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(partial, FILE_MODE)
    os.replace(partial, path)


def touch_private(path: Path) -> None:
    """Create an empty 0600 file if it does not exist (the SQLite database before the driver opens it)."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(fd)
    if path.stat().st_uid == os.getuid():
        os.chmod(path, FILE_MODE)
