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


ADD_WARD = ("from docflow import appctx, bootstrap, db\n"
            "from docflow.services.people.organisation import create_ward\n"
            "with appctx.bound(bootstrap.open_context(bootstrap.load_settings())):\n"
            "    with db.transaction() as s:\n"
            "        create_ward(s, name='UBND phường Hai', code='W2')\n")


def test_each_ward_is_verified_exported_and_checkpointed_on_its_own(workdir):
    """Issue 16 §3: `docflow --ward CODE audit …` works on that ward's chain; without --ward, verify and export
    refuse to guess among several wards, and checkpoint signs every ward's chain in turn."""
    assert run(workdir, "init").returncode == 0
    assert run(workdir, "keys", "init").returncode == 0
    issued = run(workdir, "keys", "issue", "--system")
    assert issued.returncode == 0, issued.stdout + issued.stderr
    cwd, env = workdir
    made = subprocess.run([sys.executable, "-c", ADD_WARD], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)
    assert made.returncode == 0, made.stderr
    unnamed = run(workdir, "audit", "verify")
    assert unnamed.returncode == 1 and "several wards" in unnamed.stderr
    second = run(workdir, "--ward", "W2", "audit", "verify")
    assert second.returncode == 0 and "intact: 1 events checked" in second.stdout, second.stdout + second.stderr
    first = run(workdir, "--ward", "UBND", "audit", "verify")
    assert first.returncode == 0 and "intact" in first.stdout
    # The ward's own verification went into its own chain.
    assert "intact: 2 events checked" in run(workdir, "--ward", "W2", "audit", "verify").stdout
    every = run(workdir, "audit", "checkpoint")
    assert "UBND: Checkpoint #" in every.stdout, every.stdout + every.stderr
    assert "W2: no checkpoint" in every.stderr and every.returncode == 1   # ward 2 has no system key yet
    assert run(workdir, "--ward", "W2", "audit", "export", "--out", str(cwd / "w2.jsonl")).returncode == 0
    lines = (cwd / "w2.jsonl").read_text(encoding="utf-8").splitlines()
    assert '"code": "W2"' in lines[0] and len(lines) == 2 + 3   # header, W2's three events, end
    assert run(workdir, "keys", "root", "--out", str(cwd / "root.pem")).returncode == 0
    offline = run(workdir, "audit", "verify", "--export", str(cwd / "w2.jsonl"), "--trust-root", str(cwd / "root.pem"))
    assert offline.returncode == 0 and "intact: 3 events checked" in offline.stdout
