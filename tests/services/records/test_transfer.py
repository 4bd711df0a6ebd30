"""Archive transfer packages (issue 14 §2; R57): the closed files of a year as one ZIP, signed by the ward, that
`docflow archive verify` accepts in an empty directory with only the ward's root, and refuses, naming the file,
once anything in it is changed, removed, added or signed by another CA."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from docflow.auditlog import evidencepack
from docflow.auditlog.checkpoints import sign_detached
from docflow.auditlog.transferpack import verify_transfer
from docflow.errors import ValidationError
from docflow.models import AuditEvent, FileStatus, RecordTransfer, Signature
from docflow.services import records, renewal
from docflow.services.records.transfer import build_transfer, list_transfers
from docflow.services.signatures.context import ORGANISATION_KINDS
from docflow.signing.keys import SigningKey, load_pkcs12
from tests.cli.test_cli import DOCFLOW
from tests.services.evidence.test_evidence import root  # noqa: F401 - the ward's root, as the archive has it
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture
from tests.services.records.helpers import NOW, open_file
from tests.services.renewal.helpers import issued_short, savepoint
from tests.services.records.transfer_helpers import (  # noqa: F401 - the checkpointer fixture
    ORGAN_ID,
    TZ,
    YEAR,
    checkpointer,
    closed_year,
    with_organ_id,
)


@pytest.fixture
def built(db_session, signing_settings, store, ward, checkpointer):
    settings = with_organ_id(signing_settings)
    year = closed_year(db_session, settings, store, ward)
    return year, build_transfer(db_session, settings=settings, store=store, actor=ward.clerk, year=YEAR)


@pytest.fixture
def package(built, tmp_path) -> Path:
    path = tmp_path / "package.zip"
    path.write_bytes(built[1].data)
    return path


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _write(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def verify_elsewhere(package: Path, root: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`docflow archive verify` in an empty directory holding only the package and the root, no DOCFLOW_*."""
    elsewhere = tmp_path / "archive-machine"
    elsewhere.mkdir()
    (elsewhere / "package.zip").write_bytes(package.read_bytes())
    (elsewhere / "root.pem").write_bytes(root.read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
    result = subprocess.run([*DOCFLOW, "archive", "verify", "package.zip", "--trust-root", "root.pem"],
                            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["package.zip", "root.pem"]   # nothing created
    return result


def test_a_package_holds_the_closed_files_signed_pdfs_as_stored_and_verifies(db_session, built, package, root,
                                                                            store, ward, tmp_path):
    year, pack = built
    members = _members(package)
    issued_version = db_session.execute(select(Signature.version_id).where(
        Signature.document_id == year.outgoing.id, Signature.kind.in_(ORGANISATION_KINDS))).scalar_one()
    issued = next(v for v in year.outgoing.versions if v.id == issued_version)
    registered = year.incoming.versions[0]

    pdfs = sorted(n for n in members if n.endswith(".pdf"))
    assert pdfs == sorted([f"documents/{year.outgoing.id}/v{issued.number}.pdf",
                           f"documents/{year.incoming.id}/v{registered.number}.pdf"])
    assert members[f"documents/{year.outgoing.id}/v{issued.number}.pdf"] == store.read(issued.sha256)
    assert members[f"documents/{year.incoming.id}/v1.pdf"] == store.read(registered.sha256)
    for document in (year.outgoing, year.incoming):
        assert {f"documents/{document.id}/verification.json", f"documents/{document.id}/signature-chain.json"} \
            <= set(members)
    assert {"README.txt", "metadata.xml", "schema/r57.xsd", "manifest.json", "manifest.json.p7s",
            "audit/events.jsonl"} <= set(members)
    readme = members["README.txt"].decode("utf-8")
    assert "docflow archive verify" in readme and "01.VP" in readme and ORGAN_ID in readme
    manifest = json.loads(members["manifest.json"])
    assert manifest["format"] == "docflow-archive-transfer" and manifest["files_included"] == ["01.VP"]
    assert {e["path"] for e in manifest["files"]} == set(members) - {"manifest.json", "manifest.json.p7s",
                                                                      "audit/events.jsonl"}

    [row] = list_transfers(db_session, actor=ward.clerk)
    assert (row.year, row.files, row.documents, row.manifest_sha256) == (YEAR, 1, 2, pack.manifest_sha256)
    event = db_session.execute(select(AuditEvent).where(AuditEvent.action == "records.transferred")).scalar_one()
    assert event.details["manifest_sha256"] == evidencepack.sha256_hex(members["manifest.json"])
    events = members["audit/events.jsonl"].decode()
    assert '"records.file_closed"' in events and '"incoming.registered"' in events

    report = verify_transfer(package, [root.read_bytes()])
    assert report.ok, report.problems
    assert report.signatures_checked == 4 and report.checkpoints and report.files_checked == len(manifest["files"])

    result = verify_elsewhere(package, root, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID" in result.stdout and "4 PDF signatures" in result.stdout


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def _other_ca_key(tmp_path: Path) -> SigningKey:
    """A system key of a CA with the ward's very name that is not the ward's CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "UBND phường Thử Nghiệm")])
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "UBND phường Thử Nghiệm (hệ thống)")])

    def certificate(subject, public_key, *, ca: bool):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name).public_key(public_key)
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=30))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            builder = builder.add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                                            critical=True)
        return builder.sign(ca_key, hashes.SHA256())

    ca_cert, cert = certificate(ca_name, ca_key.public_key(), ca=True), certificate(name, key.public_key(), ca=False)
    path = tmp_path / "other.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"other", key, cert, [ca_cert], serialization.BestAvailableEncryption(b"secret")))
    return load_pkcs12(path, "secret")


def _tamper(target: str, members: dict[str, bytes], tmp_path: Path) -> str:
    """Change the package as ``target`` says; return the file the verifier must name."""
    pdf = next(n for n in sorted(members) if n.endswith(".pdf"))
    if target == "pdf":
        members[pdf] = _flip(members[pdf], len(members[pdf]) // 3)
        return pdf
    if target == "metadata":
        members["metadata.xml"] = members["metadata.xml"].replace(b"01.VP", b"02.VP", 1)
        return "metadata.xml"
    if target == "removed":
        name = next(n for n in sorted(members) if n.endswith("verification.json"))
        del members[name]
        return name
    if target == "added":
        members[pdf.rsplit("/", 1)[0] + "/v99.pdf"] = members[pdf]
        return pdf.rsplit("/", 1)[0] + "/v99.pdf"
    if target == "manifest":
        members["manifest.json"] = members["manifest.json"].replace(b'"files_included":["01.VP"]',
                                                                    b'"files_included":["01.VP","02.VP"]')
        return "manifest.json.p7s"
    if target == "other-ca":
        members["manifest.json.p7s"] = sign_detached(_other_ca_key(tmp_path), members["manifest.json"])
        return "manifest.json.p7s"
    if target == "schema":
        members["schema/r57.xsd"] = members["schema/r57.xsd"].replace(b'<xs:maxLength value="500"/>', b"")
        return "schema/r57.xsd"
    raise AssertionError(target)


@pytest.mark.parametrize("target", ["pdf", "metadata", "removed", "added", "manifest", "other-ca", "schema"])
def test_a_changed_package_is_refused_at_that_file(package, root, tmp_path, target):
    members = _members(package)
    named = _tamper(target, members, tmp_path)
    original = _members(package)
    assert members != original
    _write(package, members)

    report = verify_transfer(package, [root.read_bytes()])
    assert not report.ok and named in {p.path for p in report.problems}, report.problems

    result = verify_elsewhere(package, root, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"PROBLEM {named}:" in result.stdout and "NOT VALID" in result.stdout


def test_an_unreadable_package_or_root_exits_2(package, root, tmp_path):
    (tmp_path / "bad.pem").write_bytes(b"not a certificate")
    evidence_like = tmp_path / "evidence.zip"
    members = _members(package)
    members["manifest.json"] = members["manifest.json"].replace(b"docflow-archive-transfer", b"docflow-evidence-pack")
    _write(evidence_like, members)
    for path, trust in ((tmp_path / "missing.zip", root), (package, tmp_path / "bad.pem"), (evidence_like, root)):
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
        result = subprocess.run([*DOCFLOW, "archive", "verify", str(path), "--trust-root", str(trust)], cwd=tmp_path,
                                env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 2 and "UNREADABLE" in result.stderr and "Traceback" not in result.stderr


def test_verifying_a_package_needs_neither_flask_nor_sqlalchemy():
    import sys
    code = ("import sys; import docflow.commands.archive, docflow.auditlog.transferpack; "
            "print([m for m in ('flask', 'sqlalchemy') if m in sys.modules])")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_only_closed_leaves_the_open_files_out_and_says_so(db_session, signing_settings, store, ward, checkpointer,
                                                            root, tmp_path):
    settings = with_organ_id(signing_settings)
    closed_year(db_session, settings, store, ward)
    still_open = closed_year(db_session, settings, store, ward, code="02.VP", close=False)

    pack = build_transfer(db_session, settings=settings, store=store, actor=ward.clerk, year=YEAR, only_closed=True)

    assert (pack.files, pack.left_out) == (1, (("02.VP", "open"),))
    path = _saved(pack.data, tmp_path)
    members = _members(path)
    assert json.loads(members["manifest.json"])["left_out"] == [{"code": "02.VP", "reason": "open"}]
    assert "02.VP: đang mở" in members["README.txt"].decode("utf-8")
    assert b"02.VP" not in members["metadata.xml"]
    assert not any(n.startswith(f"documents/{still_open.outgoing.id}/") for n in members)
    assert verify_transfer(path, [root.read_bytes()]).ok


def _saved(data: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "only-closed.zip"
    path.write_bytes(data)
    return path


def test_without_the_wards_organ_identifier_nothing_is_built_or_recorded(db_session, signing_settings, store,
                                                                         ward, checkpointer):
    closed_year(db_session, signing_settings, store, ward)   # app.organ_id is "" in the test configuration
    with pytest.raises(ValidationError, match="organ identifier"):
        build_transfer(db_session, settings=signing_settings, store=store, actor=ward.clerk, year=YEAR)
    assert db_session.execute(select(RecordTransfer)).scalars().all() == []
    assert db_session.execute(select(AuditEvent).where(AuditEvent.action == "records.transferred")).first() is None


def test_a_renewed_document_brings_its_issued_bytes_and_its_latest_renewal(app_ctx, db_session, signing_settings,
                                                                          store, ward, checkpointer, make_user, root,
                                                                          tmp_path):
    settings = with_organ_id(signing_settings)
    document = issued_short(db_session, settings, store, ward, make_user)
    issued = document.current_version
    run = renewal.renew_issued(transaction=savepoint(db_session), settings=settings, store=store,
                               actor_id=ward.clerk.id)
    assert run.renewed == 1
    db_session.refresh(document)
    renewed = document.current_version
    record = open_file(db_session, actor=ward.clerk, year=YEAR)
    records.add_document(db_session, actor=ward.clerk, file_id=record.id, document_id=document.id, now=NOW)
    records.close_file(db_session, actor=ward.clerk, file_id=record.id, tz=TZ)

    pack = build_transfer(db_session, settings=settings, store=store, actor=ward.clerk, year=YEAR)

    path = _saved(pack.data, tmp_path)
    members = _members(path)
    assert sorted(n for n in members if n.endswith(".pdf")) == [f"documents/{document.id}/v{issued.number}.pdf",
                                                                 f"documents/{document.id}/v{renewed.number}.pdf"]
    assert renewed.is_renewal and members[f"documents/{document.id}/v{renewed.number}.pdf"] == store.read(
        renewed.sha256)
    report = verify_transfer(path, [root.read_bytes()])
    assert report.ok, report.problems


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_the_manifest_signature_verifies_with_openssl_as_the_readme_says(package, root, tmp_path):
    members = _members(package)
    (tmp_path / "manifest.json").write_bytes(members["manifest.json"])
    (tmp_path / "manifest.json.p7s").write_bytes(members["manifest.json.p7s"])
    command = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "manifest.json.p7s", "-content",
               "manifest.json", "-CAfile", str(root), "-purpose", "any", "-out", os.devnull]
    assert subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=60).returncode == 0
    (tmp_path / "manifest.json").write_bytes(members["manifest.json"].replace(b"01.VP", b"09.VP"))
    assert subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=60).returncode != 0


def test_a_destroyed_file_is_never_packed_and_is_named_as_left_out(db_session, signing_settings, store, ward,
                                                                   checkpointer, root, tmp_path):
    settings = with_organ_id(signing_settings)
    kept = closed_year(db_session, settings, store, ward)
    gone = closed_year(db_session, settings, store, ward, code="02.VP")
    # As the chairman's decision leaves it once the retention has ended (years from now: the decision itself,
    # audited in 2036, would put a checkpoint past the test certificates' validity).
    gone.record.status = FileStatus.DESTROYED
    db_session.flush()

    pack = build_transfer(db_session, settings=settings, store=store, actor=ward.clerk, year=YEAR)

    assert (pack.files, pack.documents, pack.left_out) == (1, 2, (("02.VP", "destroyed"),))
    members = _members(_saved(pack.data, tmp_path))
    assert {n.split("/")[1] for n in members if n.startswith("documents/")} == {str(kept.outgoing.id),
                                                                              str(kept.incoming.id)}
    assert "02.VP: đã hủy theo quyết định" in members["README.txt"].decode("utf-8")
    assert verify_transfer(_saved(pack.data, tmp_path), [root.read_bytes()]).ok
