"""Signed checkpoints: made every N events and on demand, verified against the ward's root, and the
checkpoint that proves a tampered row; forged checkpoints; exports verified without the database."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from docflow.auditlog.chain import ProblemKind, content_text
from docflow.auditlog.checkpoints import sign_checkpoint
from docflow.auditlog.export import ExportUnreadable, verify_export
from docflow.config import AuditSettings
from docflow.models import AuditCheckpoint, AuditEvent
from docflow.services import audit
from docflow.services.audit import CHECKPOINTER, AuditAction, verify_chain
from docflow.services.audit.checkpoints import Checkpointer, create_checkpoint, trust_for
from docflow.services.audit.export import export_log
from docflow.signing.base import CertificateKind
from tests.services.audit.test_audit import bypass_append_only


@pytest.fixture
def settings(signing_settings):
    return dataclasses.replace(signing_settings, audit=AuditSettings(checkpoint_every_events=4,
                                                                     checkpoint_every_minutes=0))


@pytest.fixture
def checkpointer(db_session, issue_cert, settings):
    issue_cert(None, CertificateKind.SYSTEM)
    checkpointer = Checkpointer(settings)
    db_session.info[CHECKPOINTER] = checkpointer
    yield checkpointer
    db_session.info.pop(CHECKPOINTER, None)


def _append(session, n):
    return [audit.record(session, action=AuditAction.DOCUMENT_VIEWED, actor=None, object_type="document",
                         object_id=i, details={"i": i, "text": "Trích yếu có dấu"}) for i in range(n)]


def _checkpoints(session):
    return list(session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)).scalars())


def test_a_checkpoint_is_signed_every_n_events_and_verifies(db_session, checkpointer, settings):
    _append(db_session, 10)
    seqs = [c.seq for c in _checkpoints(db_session)]
    assert len(seqs) >= 2 and all(b - a == 4 for a, b in zip(seqs, seqs[1:]))
    assert all(c.timestamp_token for c in _checkpoints(db_session))   # the development CA's TSA
    report = verify_chain(db_session, trust=trust_for(settings))
    assert report.intact and report.checkpoints_checked == len(seqs)
    assert report.last_checkpoint is not None and report.last_checkpoint.seq == seqs[-1]
    assert report.last_checkpoint.timestamped_at is not None
    assert "Thử Nghiệm" in report.last_checkpoint.signer or report.last_checkpoint.signer


def test_on_demand_checkpoint_is_not_repeated_for_the_same_head(db_session, checkpointer):
    _append(db_session, 1)
    first = create_checkpoint(db_session, checkpointer=checkpointer)
    again = create_checkpoint(db_session, checkpointer=checkpointer)
    assert first is not None and again is not None and first.id == again.id


def test_without_a_system_key_events_are_recorded_and_verify_says_no_checkpoints(db_session, org, settings):
    db_session.info[CHECKPOINTER] = Checkpointer(settings)
    try:
        events = _append(db_session, 6)
    finally:
        db_session.info.pop(CHECKPOINTER)
    assert len(events) == 6 and not _checkpoints(db_session)
    report = verify_chain(db_session, trust=trust_for(settings))
    assert report.intact and report.checkpoints_checked == 0 and "no checkpoints" in report.notes


def test_a_changed_row_is_proved_by_the_next_checkpoint(db_session, checkpointer, settings):
    events = _append(db_session, 9)
    target = events[2].seq
    bypass_append_only(db_session)
    db_session.execute(text("UPDATE audit_events SET actor_name = 'mallory' WHERE seq = :s"), {"s": target})
    db_session.expire_all()
    report = verify_chain(db_session, trust=trust_for(settings))
    proving = min(c.seq for c in _checkpoints(db_session) if c.seq >= target)
    assert (report.problem_seq, report.problem_kind) == (target, ProblemKind.CHANGED)
    assert report.proving_checkpoint_seq == proving


def _rewrite_from(session, seq):
    """An attacker who changes a row and recomputes every later hash and the head: only checkpoints see it."""
    rows = session.execute(text("SELECT seq, prev_hash FROM audit_events WHERE seq >= :s ORDER BY seq"),
                           {"s": seq}).all()
    prev = rows[0].prev_hash
    for row in rows:
        event = session.execute(select(AuditEvent).where(AuditEvent.seq == row.seq)).scalar_one()
        if row.seq == seq:
            event.actor_name = "mallory"
        digest = audit.event_hash(prev, audit.event_content(event))
        session.execute(text("UPDATE audit_events SET actor_name = :n, prev_hash = :p, hash = :h WHERE seq = :s"),
                        {"n": event.actor_name, "p": prev, "h": digest, "s": row.seq})
        prev = digest
    session.execute(text("UPDATE audit_head SET hash = :h WHERE id = 1"), {"h": prev})
    session.expire_all()


def test_a_recomputed_chain_is_caught_by_a_signed_checkpoint(db_session, checkpointer, settings):
    events = _append(db_session, 9)
    bypass_append_only(db_session)
    _rewrite_from(db_session, events[1].seq)
    report = verify_chain(db_session, trust=trust_for(settings))
    assert report.problem_kind is ProblemKind.REWRITTEN
    first_cp = min(c.seq for c in _checkpoints(db_session) if c.seq >= events[1].seq)
    assert report.proving_checkpoint_seq == first_cp and report.problem_seq <= events[1].seq


def test_a_checkpoint_whose_hash_was_altered_is_forged(db_session, checkpointer, settings):
    _append(db_session, 5)
    cp = _checkpoints(db_session)[0]
    bypass_append_only(db_session)
    db_session.execute(text("UPDATE audit_checkpoints SET hash = :h WHERE seq = :s"), {"h": "f" * 64, "s": cp.seq})
    db_session.expire_all()
    report = verify_chain(db_session, trust=trust_for(settings))
    assert (report.problem_seq, report.problem_kind) == (cp.seq, ProblemKind.FORGED_CHECKPOINT)
    assert "signed content differs" in report.problem.detail


def rogue_key():
    """A key and self-made certificate that do not chain to the ward's root."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from docflow.signing.keys import SigningKey

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "UBND phường Thử Nghiệm")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    info = asn1_keys.PrivateKeyInfo.load(key.private_bytes(serialization.Encoding.DER,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    signer = SimpleSigner(signing_cert=asn1_cert, signing_key=info,
                          cert_registry=SimpleCertificateStore.from_certs([asn1_cert]))
    return SigningKey(signer, asn1_cert, ())


def test_a_checkpoint_signed_by_a_key_outside_the_ward_pki_is_forged(db_session, org, settings):
    events = _append(db_session, 3)
    head = audit.lock_chain(db_session, org.id)
    cp = sign_checkpoint(rogue_key(), seq=head.seq, hash=head.hash, created_at=datetime.now(UTC), organisation="x")
    db_session.add(AuditCheckpoint(organisation_id=org.id, seq=cp.seq, hash=cp.hash, created_at=cp.created_at,
                                   organisation=cp.organisation,
                                   signature=cp.signature, certificate=cp.certificate))
    db_session.flush()
    report = verify_chain(db_session, trust=trust_for(settings))
    assert (report.problem_seq, report.problem_kind) == (events[-1].seq, ProblemKind.FORGED_CHECKPOINT)
    assert "does not chain to the trust root" in report.problem.detail


# --- exports ----------------------------------------------------------------------------------------------


@pytest.fixture
def exported(db_session, checkpointer, settings, tmp_path):
    _append(db_session, 10)
    path = tmp_path / "audit.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        export_log(db_session, fh, settings=settings)
    return path


@pytest.fixture
def root(settings):
    from docflow.services.keys import root_certificates_pem
    return root_certificates_pem(settings)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _events(path):
    return [(i, json.loads(line)) for i, line in enumerate(_lines(path)) if line.startswith('{"type":"event"')]


def _rewrite(path, lines):
    path.write_text("".join(lines), encoding="utf-8")


def test_an_export_verifies_offline(exported, root):
    report = verify_export(exported, root)
    assert report.intact and report.checkpoints_checked >= 2 and report.checked >= 10


def test_a_changed_event_in_an_export_is_found(exported, root):
    lines, (index, event) = _lines(exported), _events(exported)[-5]
    lines[index] = lines[index].replace('"actor_name":"system"', '"actor_name":"mallory"')
    _rewrite(exported, lines)
    report = verify_export(exported, root)
    assert (report.problem_seq, report.problem_kind) == (event["seq"], ProblemKind.CHANGED)
    assert report.proving_checkpoint_seq is not None and report.proving_checkpoint_seq >= event["seq"]


def test_a_removed_event_in_an_export_is_found(exported, root):
    lines, (index, event) = _lines(exported), _events(exported)[-4]
    del lines[index]
    _rewrite(exported, lines)
    report = verify_export(exported, root)
    assert (report.problem_seq, report.problem_kind) == (event["seq"], ProblemKind.REMOVED)


def test_reordered_events_in_an_export_are_found(exported, root):
    lines = _lines(exported)
    (i, a), (j, _b) = _events(exported)[-4], _events(exported)[-3]
    lines[i], lines[j] = lines[j], lines[i]
    _rewrite(exported, lines)
    report = verify_export(exported, root)
    assert report.problem_kind is ProblemKind.REORDERED and report.problem_seq == a["seq"]


def test_an_inserted_event_in_an_export_is_found(exported, root):
    lines, events = _lines(exported), _events(exported)
    (_i, before), (j, victim) = events[-4], events[-3]
    forged = dict(victim, actor_name="mallory", prev_hash=before["hash"])
    content = content_text(forged["seq"], forged["occurred_at"], None, "mallory", forged["action"],
                           forged["object_type"], forged["object_id"],
                           json.dumps(forged["details"], sort_keys=True, separators=(",", ":"), ensure_ascii=False),
                           forged.get("organisation_id"))   # the forger names the ward: a ward's event's hash does
    forged["hash"] = audit.event_hash(before["hash"], content.encode())
    for k, event in events:
        if k >= j:
            lines[k] = re.sub(rf'"seq":{event["seq"]}([,}}])', rf'"seq":{event["seq"] + 1}\1', lines[k], count=1)
    lines.insert(j, json.dumps(dict(forged, type="event"), ensure_ascii=False) + "\n")
    _rewrite(exported, lines)
    report = verify_export(exported, root)
    assert (report.problem_seq, report.problem_kind) == (victim["seq"], ProblemKind.INSERTED)


def test_a_truncated_export_is_found(exported, root):
    data = exported.read_bytes()
    exported.write_bytes(data[: len(data) * 2 // 3])
    report = verify_export(exported, root)
    assert report.problem_kind is ProblemKind.TRUNCATED


def test_an_export_cut_at_a_line_end_is_truncated(exported, root):
    _rewrite(exported, _lines(exported)[:-3])
    assert verify_export(exported, root).problem_kind is ProblemKind.TRUNCATED


def test_the_wrong_trust_root_fails_the_checkpoints(exported):
    from cryptography.hazmat.primitives import serialization
    from cryptography import x509
    other = rogue_key().certificate.dump()
    pem = x509.load_der_x509_certificate(other).public_bytes(serialization.Encoding.PEM)
    report = verify_export(exported, [pem])
    assert report.problem_kind is ProblemKind.FORGED_CHECKPOINT
    assert "does not chain" in report.problem.detail


def test_garbage_is_unreadable(tmp_path, root):
    path = tmp_path / "x.jsonl"
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(ExportUnreadable):
        verify_export(path, root)


def test_an_imported_system_key_is_reencrypted_to_sign_unattended(db_session, ward_ca, settings, tmp_path,
                                                                   make_user):
    from docflow.models import Role
    from docflow.services import keys as key_service

    issued = ward_ca.issue(holder="system", full_name="UBND phường Thử Nghiệm", post="",
                           organisation="UBND phường Thử Nghiệm", kind=CertificateKind.SYSTEM, pin="13579246",
                           out_dir=tmp_path, validity_days=30, file_stem="from-the-ca")
    key_service.import_pkcs12_certificate(db_session, settings=settings, actor=make_user(Role.ADMIN), holder=None,
                                          kind=CertificateKind.SYSTEM, source=issued.path, pin="13579246")
    checkpointer = Checkpointer(settings)
    key = checkpointer.signing_key(db_session)   # opened with the CA passphrase; nobody typed the PIN
    assert key is not None and key.sha256 == issued.sha256
    assert create_checkpoint(db_session, checkpointer=checkpointer) is not None
