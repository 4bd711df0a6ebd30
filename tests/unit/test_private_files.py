"""Private files and folders: made owner-only, without closing a shared sticky folder such as /tmp."""

from __future__ import annotations

import stat
from pathlib import Path

from docflow.private_files import private_dir, write_private


def test_a_new_folder_and_file_are_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "keys" / "ca" / "root.key"

    write_private(target, b"secret")

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


def test_an_existing_folder_docflow_owns_is_closed(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)

    private_dir(folder)

    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_shared_sticky_folder_keeps_its_mode(tmp_path: Path) -> None:
    # As /tmp: world-writable with the sticky bit. Writing a key straight into it once made /tmp 0700 when
    # docflow ran as root (every other user of the machine then lost /tmp).
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)

    write_private(shared / "root.pem", b"certificate")

    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE((shared / "root.pem").stat().st_mode) == 0o600
