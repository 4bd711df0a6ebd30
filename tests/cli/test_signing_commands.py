"""`docflow keys`, `docflow sign` and `docflow verify` as a user runs them: the demo's signature chain from the
command line, checked by docflow and by poppler's pdfsig; revocation, wrong PINs and bad files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from docflow.services.demo import DEMO_PIN
from tests.cli.test_cli import DOCFLOW, run
from tests.conftest import is_postgres
from tests.testpki import tiny_pdf


@pytest.fixture(scope="module")
def demo_ward(tmp_path_factory, database_factory):
    """One demo ward for the module (issuing its keys takes seconds); each test uses its own users or files."""
    directory = tmp_path_factory.mktemp("ward")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
    if is_postgres():
        config = directory / "docflow.toml"
        config.write_text(f'[database]\nurl = "{database_factory("cli_signing")}"\n', encoding="utf-8")
        env["DOCFLOW_CONFIG"] = str(config)
    workdir = (directory, env)
    assert run(workdir, "init").returncode == 0
    # The certificates name docflow's own OCSP and CRL endpoints; this ward serves them on a free port.
    port = _free_port()
    assert run(workdir, "keys", "init", "--base-url", f"http://127.0.0.1:{port}").returncode == 0
    env["WARD_PORT"] = str(port)
    demo = run(workdir, "demo")
    assert demo.returncode == 0, demo.stderr
    assert DEMO_PIN in demo.stdout
    (workdir[0] / "in.pdf").write_bytes(tiny_pdf())
    workdir[1]["PIN"] = DEMO_PIN
    return workdir


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serving(ward):
    """`docflow run` in the background, so OCSP and CRL answer at the URLs in the ward's certificates."""
    cwd, env = ward
    port = env["WARD_PORT"]
    server = subprocess.Popen([*DOCFLOW, "run", "--port", port], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/pki/root.pem", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)


def _pdfsig_trusting(ward, path: Path) -> str:
    """pdfsig with an NSS database that trusts only the ward's root (poppler 22.12 needs the OCSP
    responder of the signer's certificate to answer, or it reports "Unknown issue" even for a good chain)."""
    nss = ward[0] / "nss"
    if not nss.exists():
        nss.mkdir()
        subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)
        subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "ward-root", "-t", "CT,C,C", "-i",
                        str(ward[0] / "root.pem")], check=True, capture_output=True)
    with _serving(ward):
        result = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True,
                                timeout=120, env={**os.environ, "HOME": str(ward[0])})
    return result.stdout


def _sign(ward, source: str, out: str, *extra: str):
    return run(ward, "sign", source, "--out", out, "--pin-env", "PIN", *extra)


def test_a_vice_chairman_signs_the_clerk_seals_and_both_docflow_and_pdfsig_agree(demo_ward):
    personal = _sign(demo_ward, "in.pdf", "personal.pdf", "--user", "phochutich1")
    assert personal.returncode == 0, personal.stderr
    sealed = _sign(demo_ward, "personal.pdf", "sealed.pdf", "--user", "vanthu", "--kind", "organisation")
    assert sealed.returncode == 0, sealed.stderr
    # no document stands behind a seal made here: the audit log names it, by the sealed file's SHA-256
    assert run(demo_ward, "audit", "export", "--out", "log.jsonl").returncode == 0
    events = [json.loads(line) for line in (demo_ward[0] / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    sealed_sha256 = hashlib.sha256((demo_ward[0] / "sealed.pdf").read_bytes()).hexdigest()
    assert any(sealed_sha256 in json.dumps(e, ensure_ascii=False) and "file.signed" in json.dumps(e)
               and '"organisation"' in json.dumps(e) for e in events)
    verified = run(demo_ward, "verify", "sealed.pdf", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    assert report["valid"] is True
    assert [s["field"] for s in report["signatures"]] == ["personal_1", "organisation"]
    assert report["signatures"][1]["coverage"] == "whole_file"
    root = run(demo_ward, "keys", "root", "--out", "root.pem")
    assert root.returncode == 0 and (demo_ward[0] / "root.pem").read_bytes().startswith(b"-----BEGIN CERTIFICATE")
    assert run(demo_ward, "verify", "sealed.pdf", "--trust-root", "root.pem").returncode == 0
    if not (shutil.which("pdfsig") and shutil.which("certutil")):
        pytest.skip("poppler-utils and libnss3-tools are needed for the independent check")
    poppler = _pdfsig_trusting(demo_ward, demo_ward[0] / "sealed.pdf")
    assert poppler.count("Signature Validation: Signature is Valid.") == 2, poppler
    assert poppler.count("Certificate Validation: Certificate is Trusted.") == 2, poppler
    assert "Total document signed" in poppler


def test_a_changed_byte_makes_verify_exit_1_and_garbage_exit_2(demo_ward):
    assert _sign(demo_ward, "in.pdf", "signed.pdf", "--user", "chutich").returncode == 0
    data = (demo_ward[0] / "signed.pdf").read_bytes()
    index = data.index(b"/MediaBox")
    (demo_ward[0] / "tampered.pdf").write_bytes(data[:index] + b"/MediaBoy" + data[index + 9:])
    tampered = run(demo_ward, "verify", "tampered.pdf")
    assert tampered.returncode == 1 and "Traceback" not in tampered.stderr
    (demo_ward[0] / "junk.pdf").write_bytes(b"this is not a PDF")
    junk = run(demo_ward, "verify", "junk.pdf")
    assert junk.returncode == 2 and "Traceback" not in junk.stderr and junk.stderr.strip()
    unsigned = run(demo_ward, "verify", "in.pdf", "--json")
    assert unsigned.returncode == 1 and json.loads(unsigned.stdout)["valid"] is False


def test_a_wrong_pin_is_one_clear_line(demo_ward, monkeypatch):
    monkeypatch.setitem(demo_ward[1], "PIN", "000000")
    result = _sign(demo_ward, "in.pdf", "x.pdf", "--user", "chutich")
    assert result.returncode == 1 and "PIN" in result.stderr and "000000" not in result.stderr
    assert "Traceback" not in result.stderr and not (demo_ward[0] / "x.pdf").exists()


def test_issue_prints_an_enrolment_code_or_wraps_under_the_pin_env_and_revoke_stops_signing(demo_ward, monkeypatch):
    issued = run(demo_ward, "keys", "issue", "chuyenvien.tp")
    assert issued.returncode == 0, issued.stderr
    assert "Enrolment code" in issued.stdout   # the holder chooses the PIN with it; nobody is asked for one here
    serial = issued.stdout.split("certificate ")[1].split()[0]
    monkeypatch.setitem(demo_ward[1], "PIN", "000000")
    trivial = run(demo_ward, "keys", "issue", "chuyenvien.tp", "--pin-env", "PIN")
    assert trivial.returncode != 0 and "000000" not in trivial.stdout + trivial.stderr
    monkeypatch.setitem(demo_ward[1], "PIN", "271828")
    with_pin = run(demo_ward, "keys", "issue", "chuyenvien.tp", "--pin-env", "PIN")
    assert with_pin.returncode == 0 and "Enrolment code" not in with_pin.stdout
    listing = run(demo_ward, "keys", "list").stdout
    assert serial in listing and "superseded" in listing
    line = next(l for l in listing.splitlines() if "chuyenvien.tp" in l and "days left" in l)
    current = line.split()[0]
    revoked = run(demo_ward, "keys", "revoke", current, "--reason", "key_compromise")
    assert revoked.returncode == 0, revoked.stderr
    refused = _sign(demo_ward, "in.pdf", "y.pdf", "--user", "chuyenvien.tp")
    assert refused.returncode == 1 and "revoked" in refused.stderr.lower() and "Traceback" not in refused.stderr


def test_sign_with_a_pkcs12_file_needs_no_database(demo_ward, test_pki, tmp_path):
    # A PKCS#12 file from elsewhere, under its PIN (the ward's own key files need the server secret too).
    p12 = test_pki.write_pkcs12("chutich", DEMO_PIN, tmp_path)
    signed = _sign(demo_ward, "in.pdf", "p12.pdf", "--p12", str(p12), "--kind", "initial", "--level", "B-B")
    assert signed.returncode == 0, signed.stderr
    report = json.loads(run(demo_ward, "verify", "p12.pdf", "--json", "--trust-root",
                            str(test_pki.root_pem_path)).stdout)
    assert report["valid"] is True and report["signatures"][0]["pades_level"] == "B-B"


def test_keys_init_is_safe_to_run_twice(demo_ward):
    again = run(demo_ward, "keys", "init")
    assert again.returncode == 0 and "already exists" in again.stdout
    assert Path(demo_ward[0] / "keys" / "ca" / "root.pem").exists()


_DUMP_ISSUED = """
import sys
from sqlalchemy import select
from docflow import create_app, db
from docflow.models import Document, DocumentStatus
app = create_app()
with app.app_context():
    issued = db.get_session().execute(select(Document).where(Document.status == DocumentStatus.ISSUED)
                                      .order_by(Document.id)).scalars().first()
    sys.stdout.write(issued.number_symbol + "\\n")
    open(sys.argv[1], "wb").write(app.extensions["docflow.store"].read(issued.current_version.sha256))
"""


def test_a_document_issued_in_the_demo_verifies_with_docflow_and_pdfsig(demo_ward):
    cwd, env = demo_ward
    dumped = subprocess.run([sys.executable, "-c", _DUMP_ISSUED, str(cwd / "issued.pdf")], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=120)
    assert dumped.returncode == 0, dumped.stderr
    assert dumped.stdout.strip().startswith("01/")  # the year's first outgoing number
    report = json.loads(run(demo_ward, "verify", "issued.pdf", "--json").stdout)
    assert report["valid"] is True
    assert [s["field"] for s in report["signatures"]][-1] == "organisation"
    if not (shutil.which("pdfsig") and shutil.which("certutil")):
        pytest.skip("poppler-utils and libnss3-tools are needed for the independent check")
    assert run(demo_ward, "keys", "root", "--out", "root.pem").returncode == 0
    poppler = _pdfsig_trusting(demo_ward, cwd / "issued.pdf")
    signatures = poppler.count("Signature Validation: Signature is Valid.")
    assert signatures >= 2 and poppler.count("Certificate Validation: Certificate is Trusted.") == signatures, poppler
