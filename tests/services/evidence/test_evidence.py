"""Evidence packs: an issued document's pack verifies offline (also with `docflow evidence verify` in an
empty directory), and one byte changed in a PDF, in the events or in the manifest is refused at that file,
as is the wrong trust root."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from docflow.auditlog import evidencepack
from docflow.cli import main
from docflow.auditlog.evidencepack import verify_pack
from docflow.models import RegisterKind, Role
from docflow.services import evidence
from docflow.services.audit import CHECKPOINTER
from docflow.services.audit.checkpoints import Checkpointer
from docflow.services.keys import root_certificates_pem
from docflow.signing.base import CertificateKind
from tests.services.signatures.test_chaincheck import _issued
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture


@pytest.fixture
def checkpointer(db_session, issue_cert, signing_settings):
    issue_cert(None, CertificateKind.SYSTEM)
    db_session.info[CHECKPOINTER] = Checkpointer(signing_settings)
    yield db_session.info[CHECKPOINTER]
    db_session.info.pop(CHECKPOINTER, None)


def _other_root() -> bytes:
    """A self-made root certificate with the ward's name that is not the ward's root."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "UBND phường Thử Nghiệm")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def pack(db_session, signing_settings, store, ward, checkpointer, make_user, tmp_path) -> Path:
    document = _issued(db_session, signing_settings, store, ward)
    built = evidence.build_document_pack(db_session, settings=signing_settings, store=store,
                                         actor=make_user(Role.AUDITOR), document_id=document.id)
    path = tmp_path / "pack.zip"
    path.write_bytes(built.data)
    return path


@pytest.fixture
def root(signing_settings, tmp_path) -> Path:
    path = tmp_path / "root.pem"
    path.write_bytes(root_certificates_pem(signing_settings)[0])
    return path


def _rewrite(path: Path, name: str, change) -> None:
    with zipfile.ZipFile(path) as old:
        members = {i.filename: old.read(i) for i in old.infolist()}
    members[name] = change(members[name])
    with zipfile.ZipFile(path, "w") as new:
        for member, data in members.items():
            new.writestr(member, data)


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def test_a_pack_holds_what_its_readme_says_and_verifies(pack, root):
    with zipfile.ZipFile(pack) as z:
        names = set(z.namelist())
    assert {"README.txt", "manifest.json", "audit/events.jsonl"} <= names
    document_files = {n.split("/", 2)[2] for n in names if n.startswith("documents/")}
    assert {"v1.pdf", "v2.pdf", "v3.pdf", "verification.json", "verification.html", "signature-chain.json",
            "register-entry.json"} <= document_files
    assert any(n.startswith("crls/") for n in names) and any(n.startswith("certificates/signer-") for n in names)

    report = verify_pack(pack, [root.read_bytes()])

    assert report.ok, report.problems
    assert report.checkpoints and report.signatures_checked == 2 and report.events_checked > 5


def test_the_command_verifies_a_pack_in_an_empty_directory(pack, root, tmp_path, monkeypatch):
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    monkeypatch.chdir(empty)
    result = CliRunner().invoke(main, ["evidence", "verify", str(pack), "--trust-root", str(root)],
                                env={"DOCFLOW_CONFIG": "/nonexistent/docflow.toml"})
    assert result.exit_code == 0, result.output
    assert "VALID" in result.output


def test_verifying_a_pack_needs_neither_flask_nor_sqlalchemy():
    import subprocess
    import sys
    code = ("import sys; import docflow.commands.evidence, docflow.auditlog.evidencepack, docflow.auditlog.export, "
            "docflow.signing.verify; print([m for m in ('flask', 'sqlalchemy') if m in sys.modules])")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


@pytest.mark.parametrize("target", ["pdf", "events", "events-anywhere", "manifest", "chain", "certificate"])
def test_one_byte_changed_is_refused_at_that_file(pack, root, target):
    with zipfile.ZipFile(pack) as z:
        pdf = sorted(n for n in z.namelist() if n.endswith("v1.pdf"))[0]
        chain = sorted(n for n in z.namelist() if n.endswith("signature-chain.json"))[0]
    name = {"pdf": pdf, "events": "audit/events.jsonl", "events-anywhere": "audit/events.jsonl",
            "manifest": "manifest.json", "chain": chain, "certificate": "certificates/ca-1.pem"}[target]
    if target == "events":
        # a digit of a document event's details (its own content), not the framing; the route starts at
        # version 2 (the number and date fields added to the upload)
        change = lambda data: data.replace(b'"version":2', b'"version":7', 1)  # noqa: E731
    elif target == "manifest":
        change = lambda data: data.replace(b'"size":', b'"size":1', 1)  # noqa: E731
    else:
        change = lambda data: _flip(data, len(data) // 2)  # noqa: E731
    _rewrite(pack, name, change)

    report = verify_pack(pack, [root.read_bytes()])

    assert not report.ok
    assert name in {p.path for p in report.problems}, report.problems
    result = CliRunner().invoke(main, ["evidence", "verify", str(pack), "--trust-root", str(root)])
    assert result.exit_code == 1 and f"PROBLEM {name}" in result.output


def test_the_wrong_trust_root_is_refused(pack, tmp_path):
    other = tmp_path / "other.pem"
    other.write_bytes(_other_root())
    report = verify_pack(pack, [other.read_bytes()])
    assert not report.ok
    paths = {p.path for p in report.problems}
    assert "audit/events.jsonl" in paths and any(p.endswith(".pdf") for p in paths)
    result = CliRunner().invoke(main, ["evidence", "verify", str(pack), "--trust-root", str(other)])
    assert result.exit_code == 1


def test_a_file_that_is_not_a_pack_or_a_root_that_is_not_a_certificate_is_unreadable(tmp_path, root, pack):
    path = tmp_path / "x.zip"
    path.write_bytes(b"not a zip")
    result = CliRunner().invoke(main, ["evidence", "verify", str(path), "--trust-root", str(root)])
    assert result.exit_code == 2 and "UNREADABLE" in result.output
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("garbage", encoding="utf-8")
    result = CliRunner().invoke(main, ["evidence", "verify", str(pack), "--trust-root", str(garbage)])
    assert result.exit_code == 2 and "the trust root cannot be read" in result.output


def test_a_register_range_pack_covers_each_entry(db_session, signing_settings, store, ward, checkpointer, root,
                                                 tmp_path):
    first, second = (_issued(db_session, signing_settings, store, ward) for _ in range(2))
    built = evidence.build_register_pack(db_session, settings=signing_settings, store=store, actor=None,
                                         kind=RegisterKind.OUTGOING, year=first.document_date.year,
                                         first=first.register_number, last=second.register_number)
    path = tmp_path / "range.zip"
    path.write_bytes(built.data)
    assert built.documents == 2
    assert verify_pack(path, [root.read_bytes()]).ok
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(built.data)).read(evidencepack.MANIFEST))
    assert manifest["documents"] == [first.id, second.id]


def test_officials_do_not_export_evidence(db_session, signing_settings, store, ward, make_user):
    from docflow.errors import PermissionDeniedError
    with pytest.raises(PermissionDeniedError):
        evidence.build_document_pack(db_session, settings=signing_settings, store=store,
                                     actor=make_user(Role.OFFICIAL), document_id=1)
