"""The `docflow` command, run as a user would run it: a subprocess in a fresh working directory."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import is_postgres

DOCFLOW = [sys.executable, "-m", "docflow.cli"]


@pytest.fixture
def workdir(tmp_path: Path, database_factory) -> tuple[Path, dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
    if is_postgres():
        config = tmp_path / "docflow.toml"
        config.write_text(f'[database]\nurl = "{database_factory("cli")}"\n', encoding="utf-8")
        env["DOCFLOW_CONFIG"] = str(config)
    return tmp_path, env


def run(workdir: tuple[Path, dict[str, str]], *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    cwd, env = workdir
    # A guard against a hung command, not a time limit: `docflow demo` signs and issues the demo ward's documents
    # (~30 s here) and took over 120 s on a machine loaded to 10-12 on 2 cores.
    return subprocess.run([*DOCFLOW, *args], cwd=cwd, env=env, input=input, capture_output=True, text=True,
                          timeout=600)


def test_init_twice_then_demo_twice_keeps_the_data(workdir):
    first = run(workdir, "init")
    assert first.returncode == 0, first.stderr
    again = run(workdir, "init")
    assert again.returncode == 0 and "up to date" in again.stdout
    demo = run(workdir, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "TichSon@2026" in demo.stdout and "vanthu" in demo.stdout
    # the console holds the demo's own lines only: no library chatter (fontTools' subsetting, pyHanko's
    # notes on fetching and its tracebacks for certificates it cannot trust)
    assert "Traceback" not in demo.stderr and "FFTM" not in demo.stderr and "fetching" not in demo.stderr
    # the four documents the clerk registered, and none of the copies for information the issued ones
    # delivered to the ward's departments (issue 12, section 4)
    year = str(date.today().year)
    export = run(workdir, "registers", "export", "--register", "incoming", "--year", year, "--format", "csv",
                 "--out", "-")
    assert export.returncode == 0, export.stderr
    assert len(export.stdout.strip().splitlines()) == 1 + 4
    # every page the demo stored was read as it was uploaded: nothing is left to index (issue 13, section 1)
    assert "0 document(s) indexed" in run(workdir, "text", "reindex").stdout
    assert run(workdir, "demo").returncode == 0
    listing = run(workdir, "users", "list").stdout
    assert listing.count("vanthu") == 1 and "chutich" in listing and "thanhtra" in listing
    assert run(workdir, "audit", "verify").returncode == 0
    if not is_postgres():
        assert (workdir[0] / "var" / "docflow.db").exists()


def test_users_create_and_deactivate(workdir):
    run(workdir, "init")
    run(workdir, "demo")
    created = run(workdir, "users", "create", "nguyenvanc", "--full-name", "Nguyễn Văn C", "--role", "official",
                  "--department", "TP", "--password", "mot-mat-khau-dai")
    assert created.returncode == 0, created.stderr
    duplicate = run(workdir, "users", "create", "nguyenvanc", "--full-name", "X", "--role", "auditor",
                    "--password", "mot-mat-khau-dai")
    assert duplicate.returncode != 0 and "already taken" in duplicate.stderr and "Traceback" not in duplicate.stderr
    assert run(workdir, "users", "deactivate", "nguyenvanc").returncode == 0
    line = next(l for l in run(workdir, "users", "list").stdout.splitlines() if l.startswith("nguyenvanc"))
    assert "inactive" in line


def test_a_password_is_prompted_twice_when_not_given(workdir):
    run(workdir, "init")
    result = run(workdir, "users", "create", "prompted", "--full-name", "P", "--role", "auditor",
                 input="mot-mat-khau-dai\nmot-mat-khau-dai\n")
    assert result.returncode == 0, result.stderr
    assert "mot-mat-khau-dai" not in result.stdout


@pytest.mark.skipif(is_postgres(), reason="tampers with the SQLite file directly")
def test_audit_verify_names_the_tampered_position(workdir):
    run(workdir, "init")
    run(workdir, "demo")
    with sqlite3.connect(workdir[0] / "var" / "docflow.db") as conn:
        # whoever holds the file can drop the append-only trigger: the chain and the checkpoint still tell
        conn.execute("DROP TRIGGER audit_events_no_update")
        conn.execute("UPDATE audit_events SET actor_name = 'mallory' WHERE seq = 7")
    result = run(workdir, "audit", "verify")
    assert result.returncode == 1
    assert "#7" in result.stdout and "changed" in result.stdout and "proved by signed checkpoint" in result.stdout


def test_a_misspelt_config_key_stops_with_its_name(workdir):
    cwd, env = workdir
    (cwd / "bad.toml").write_text('[app]\nmdoe = "production"\n', encoding="utf-8")
    result = run((cwd, {**env, "DOCFLOW_CONFIG": str(cwd / "bad.toml")}), "init")
    assert result.returncode != 0
    assert "unknown key app.mdoe" in result.stderr and "Traceback" not in result.stderr


def test_production_without_a_secret_key_refuses_to_start(workdir):
    cwd, env = workdir
    (cwd / "prod.toml").write_text('[app]\nmode = "production"\n', encoding="utf-8")
    result = run((cwd, {**env, "DOCFLOW_CONFIG": str(cwd / "prod.toml")}), "init")
    assert result.returncode != 0 and "secret key" in result.stderr and "Traceback" not in result.stderr


def test_run_refuses_an_uninitialised_database_with_a_hint(workdir):
    result = run(workdir, "run", "--port", "1")
    assert result.returncode != 0
    assert "docflow init" in result.stderr and "Traceback" not in result.stderr


def test_init_records_the_organ_identifier_given_and_refuses_a_malformed_one(workdir):
    bad = run(workdir, "init", "--organ-id", "H41")
    assert bad.returncode != 0
    assert "000.00.00.H41" in bad.stderr + bad.stdout and "Traceback" not in bad.stderr
    good = run(workdir, "init", "--organ-id", "000.12.31.H27")
    assert good.returncode == 0, good.stderr
    assert "(000.12.31.H27)" in good.stdout
    assert "(000.12.31.H27)" in run(workdir, "init").stdout       # kept on the next start
