"""`docflow audit checkpoint / export / verify --export`, run as an auditor would: the export verified in an
empty directory with nothing but docflow installed and the ward's root certificate."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.cli.test_cli import DOCFLOW, run, workdir  # noqa: F401 - the fixture


def test_demo_signs_a_checkpoint_and_the_export_verifies_offline(workdir, tmp_path_factory):
    assert run(workdir, "init").returncode == 0
    demo = run(workdir, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "signed up to event #" in demo.stdout
    checkpoint = run(workdir, "audit", "checkpoint")
    assert checkpoint.returncode == 0 and "Checkpoint #" in checkpoint.stdout and "timestamped" in checkpoint.stdout
    verified = run(workdir, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout and "last checkpoint #" in verified.stdout

    cwd, _env = workdir
    assert run(workdir, "audit", "export", "--out", str(cwd / "audit.jsonl")).returncode == 0
    assert run(workdir, "keys", "root", "--out", str(cwd / "root.pem")).returncode == 0
    elsewhere = tmp_path_factory.mktemp("auditor")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}

    def offline(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*DOCFLOW, "audit", "verify", *args], cwd=elsewhere, env=env, capture_output=True,
                              text=True, timeout=120)

    ok = offline("--export", str(cwd / "audit.jsonl"), "--trust-root", str(cwd / "root.pem"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "intact" in ok.stdout and re.search(r"[1-9]\d* checkpoints? verified", ok.stdout)
    assert not any(elsewhere.iterdir())   # no database, no var/ made

    lines = (cwd / "audit.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if '"seq":5}' in line and line.startswith('{"type":"event"'))
    lines[index] = lines[index].replace('"action":"', '"action":"x', 1)
    (cwd / "tampered.jsonl").write_text("".join(lines), encoding="utf-8")
    broken = offline("--export", str(cwd / "tampered.jsonl"), "--trust-root", str(cwd / "root.pem"))
    assert broken.returncode == 1 and "BROKEN at event #5" in broken.stdout and f"line {index + 1}" in broken.stdout

    (cwd / "garbage.jsonl").write_text("{not an export\n", encoding="utf-8")
    assert offline("--export", str(cwd / "garbage.jsonl"), "--trust-root", str(cwd / "root.pem")).returncode == 2


def test_the_offline_verifier_imports_neither_flask_nor_sqlalchemy():
    code = ("import sys; import docflow.auditlog.export, docflow.auditlog.checkpoints, docflow.commands.audit; "
            "bad = [m for m in ('flask', 'sqlalchemy', 'docflow.models') if m in sys.modules]; "
            "assert not bad, bad")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
