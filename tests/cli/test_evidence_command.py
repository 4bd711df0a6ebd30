"""`docflow evidence build` in the demo ward, and `docflow evidence verify` of the pack in an empty directory
without the ward's database or configuration (the issue's "another machine that has only docflow")."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.cli.test_cli import DOCFLOW, run, workdir  # noqa: F401 - the workdir fixture


def test_a_register_range_pack_built_in_the_demo_verifies_elsewhere(workdir, tmp_path):
    assert run(workdir, "init").returncode == 0
    assert run(workdir, "demo").returncode == 0
    year = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year
    pack = tmp_path / "pack.zip"
    built = run(workdir, "evidence", "build", "--register", "outgoing", "--year", str(year), "--first", "1",
                "--last", "2", "--out", str(pack))
    assert built.returncode == 0, built.stderr
    root = tmp_path / "root.pem"
    assert run(workdir, "keys", "root", "--out", str(root)).returncode == 0

    elsewhere = tmp_path / "another-machine"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
    verified = subprocess.run([*DOCFLOW, "evidence", "verify", str(pack), "--trust-root", str(root)], cwd=elsewhere,
                              env=env, capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "VALID" in verified.stdout and "4 PDF signatures" in verified.stdout
    assert list(elsewhere.iterdir()) == []  # nothing created: no database, no var/
    assert "Traceback" not in run(workdir, "evidence", "build", "--out", str(tmp_path / "x.zip")).stderr


def test_an_unreadable_pack_exits_2(tmp_path: Path):
    (tmp_path / "root.pem").write_text("x", encoding="utf-8")
    (tmp_path / "pack.zip").write_bytes(b"PK not really")
    result = subprocess.run([*DOCFLOW, "evidence", "verify", "pack.zip", "--trust-root", "root.pem"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "UNREADABLE" in result.stderr and "Traceback" not in result.stderr
