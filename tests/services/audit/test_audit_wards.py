"""One audit chain per ward (issue 16 §3): which chain an event goes into, each ward's chain verified, signed
by its own system key and exported on its own, the chain written before wards still verifying after migration
0039, and two wards writing at once without waiting on each other."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from docflow import wards
from docflow.auditlog.chain import GENESIS_HASH, chain_hash, content_sha256, content_text
from docflow.auditlog.export import verify_export
from docflow.config import AuditSettings
from docflow.models import AuditCheckpoint, AuditEvent, CertificateStatus, Organisation
from docflow.models.audit import HASH_WITH_WARD, HASH_WITHOUT_WARD
from docflow.services import audit
from docflow.services.audit import CHECKPOINTER, AuditAction, verify_chain
from docflow.auditlog.checkpoints import Trust
from docflow.services.audit.checkpoints import Checkpointer, ca_chain_pem, create_checkpoint
from docflow.services.keys import root_certificates_pem
from docflow.services.audit.export import export_log
from docflow.services.people.organisation import create_ward
from docflow.signing.base import CertificateKind
from tests.conftest import is_postgres


def _append(session: Session, n: int, **where: int) -> list[AuditEvent]:
    return [audit.record(session, action=AuditAction.DOCUMENT_VIEWED, actor=None, object_type="document",
                         object_id=i, details={"i": i}, **where) for i in range(n)]


@pytest.fixture
def ward_b(db_session, org):
    return create_ward(db_session, name="UBND phường Hai", code="W2")


def test_each_ward_has_a_chain_of_its_own(db_session, org, ward_b):
    with wards.acting_for(org.id):
        a = _append(db_session, 3)
    with wards.acting_for(ward_b.id):
        b = _append(db_session, 2)
    # The new ward's chain starts with its own creation (recorded in its chain, whoever created it).
    first_b = db_session.execute(select(AuditEvent).where(AuditEvent.organisation_id == ward_b.id,
                                                          AuditEvent.seq == 1)).scalar_one()
    assert (first_b.action, first_b.object_id, first_b.prev_hash) == ("system.initialised", str(ward_b.id),
                                                                       GENESIS_HASH)
    assert [e.seq for e in b] == [2, 3] and b[0].prev_hash == first_b.hash
    assert all(e.organisation_id == org.id for e in a) and [e.seq for e in a] == list(range(a[0].seq, a[0].seq + 3))
    assert all(e.hash_format == HASH_WITH_WARD for e in (*a, *b))
    for ward, last in ((org.id, a[-1].seq), (ward_b.id, 3)):
        report = verify_chain(db_session, organisation_id=ward)
        assert report.intact and report.last_seq == last


def test_the_hash_of_a_wards_event_covers_its_ward(db_session, org):
    event = _append(db_session, 1)[0]
    row = (event.seq, event.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), None, "system", event.action,
           event.object_type, event.object_id, '{"i":0}')
    assert chain_hash(event.prev_hash, content_sha256(content_text(*row, org.id).encode())) == event.hash
    assert chain_hash(event.prev_hash, content_sha256(content_text(*row, org.id + 1).encode())) != event.hash
    assert chain_hash(event.prev_hash, content_sha256(content_text(*row).encode())) != event.hash


def test_which_chain_an_event_goes_into(db_session, org, ward_b, make_user):
    person_of_b = make_user()
    person_of_b.organisation_id = ward_b.id
    db_session.flush()

    def ward_of(**kwargs):
        return audit.record(db_session, action=AuditAction.DOCUMENT_VIEWED, **kwargs).organisation_id

    assert ward_of(actor=person_of_b) == ward_b.id                              # the actor's ward
    with wards.acting_for(org.id):
        assert ward_of(actor=person_of_b) == org.id                             # the bound ward first
        assert ward_of(actor=None, organisation_id=ward_b.id) == ward_b.id      # named by the caller
    assert ward_of(actor=None) == org.id   # several wards, nobody named: the first ward's chain, never lost


def test_each_wards_chain_is_signed_by_its_own_system_key(db_session, org, ward_b, issue_cert, signing_settings):
    settings = dataclasses.replace(signing_settings, audit=AuditSettings(checkpoint_every_events=3,
                                                                         checkpoint_every_minutes=0))
    with wards.acting_for(ward_b.id):   # ward B's own system key, issued for ward B
        key_b = issue_cert(None, CertificateKind.SYSTEM)
    # Ward B here is a bare ward (no key folder of its own, so the first ward's): its key file is moved aside
    # before ward A's is issued into the same folder, and stays valid.
    keys_dir = signing_settings.app.keys_dir
    shutil.copy(keys_dir / key_b.key_path, keys_dir / f"{key_b.key_path}.w2")
    key_b.organisation_id, key_b.key_path = ward_b.id, f"{key_b.key_path}.w2"
    db_session.flush()
    with wards.acting_for(org.id):
        key_a = issue_cert(None, CertificateKind.SYSTEM)
    key_b.status, key_b.revoked_at, key_b.revocation_reason = CertificateStatus.VALID, None, None
    db_session.flush()
    db_session.info[CHECKPOINTER] = Checkpointer(settings)
    try:
        _append(db_session, 4, organisation_id=org.id)
        _append(db_session, 4, organisation_id=ward_b.id)
        on_demand = create_checkpoint(db_session, checkpointer=db_session.info[CHECKPOINTER],
                                      organisation_id=ward_b.id)
    finally:
        db_session.info.pop(CHECKPOINTER)
    rows = list(db_session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).scalars())
    assert on_demand is not None and on_demand.organisation_id == ward_b.id
    assert {r.organisation_id for r in rows} == {org.id, ward_b.id}
    for row in rows:
        assert bytes(row.certificate) == (key_a.der if row.organisation_id == org.id else key_b.der)
        assert row.organisation == (org.name if row.organisation_id == org.id else ward_b.name)
    # Without the development CA's CRL, which lists B's key as superseded by A's (one CA for both wards here).
    trust = Trust(root_certificates_pem(settings), intermediates=ca_chain_pem(settings))
    for ward in (org.id, ward_b.id):
        report = verify_chain(db_session, trust=trust, organisation_id=ward)
        assert report.intact and report.checkpoints_checked == sum(r.organisation_id == ward for r in rows)


def test_an_export_holds_one_wards_chain_and_verifies_offline(db_session, org, ward_b, tmp_path, signing_settings):
    _append(db_session, 5, organisation_id=org.id)
    _append(db_session, 2, organisation_id=ward_b.id)
    path = tmp_path / "w2.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        summary = export_log(db_session, fh, settings=signing_settings, organisation_id=ward_b.id)
    assert (summary.events, summary.last_seq) == (3, 3)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert f'"ward": {{"id": {ward_b.id}, "code": "W2"}}' in lines[0]
    assert all(f'"organisation_id":{ward_b.id}' in line for line in lines[1:-1])
    report = verify_export(path, root_certificates_pem(signing_settings))
    assert report.intact and report.checked == 3


# --- migration 0039 -----------------------------------------------------------------------------------------


def test_migration_0039_gives_the_existing_chain_to_the_first_ward_and_it_still_verifies(database_factory, tmp_path,
                                                                                       app):
    """Events hashed before wards had chains (no ward in the hash) verify after 0039, new events of the same
    chain carry the ward, and an export of the mixed chain verifies offline (R73: the log stays provable)."""
    from docflow import db, migrations

    engine = db.make_engine(database_factory("wards0039"))
    migrations.upgrade(engine, "0038")
    prev = GENESIS_HASH
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (name, code, created_at) VALUES ('UBND phường Một', 'W1', "
                          ":at)"), {"at": at if is_postgres() else "2026-01-01 00:00:00.000000"})
        for seq in (1, 2, 3):
            digest = chain_hash(prev, content_sha256(content_text(
                seq, "2026-01-02T03:04:05.000000Z", None, "system", "user.created", "user", str(seq), "{}").encode()))
            conn.execute(text("INSERT INTO audit_events (seq, occurred_at, actor_id, actor_name, action, object_type, "
                              "object_id, details, prev_hash, hash) VALUES (:seq, :at, NULL, 'system', 'user.created', "
                              "'user', :o, '{}', :p, :h)"),
                         {"seq": seq, "o": str(seq), "p": prev, "h": digest,
                          "at": at if is_postgres() else "2026-01-02 03:04:05.000000"})
            prev = digest
        conn.execute(text("UPDATE audit_head SET seq = 3, hash = :h"), {"h": prev})
    migrations.upgrade(engine)
    with Session(engine) as s, s.begin():
        ward = s.execute(select(Organisation.id)).scalar_one()
        formats = s.execute(select(AuditEvent.hash_format).order_by(AuditEvent.seq)).scalars().all()
        assert formats == [HASH_WITHOUT_WARD] * 3
        assert verify_chain(s).intact and verify_chain(s).checked == 3
        event = audit.record(s, action=AuditAction.DOCUMENT_VIEWED, actor=None, object_type="document", object_id=1)
        assert (event.organisation_id, event.seq, event.prev_hash, event.hash_format) == (ward, 4, prev,
                                                                                          HASH_WITH_WARD)
    with Session(engine) as s:
        report = verify_chain(s)
        assert report.intact and report.checked == 4
        path = tmp_path / "mixed.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            export_log(s, fh, settings=app.extensions["docflow.settings"])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert '"organisation_id"' not in lines[1] and f'"organisation_id":{ward}' in lines[4]
    assert verify_export(path, []).intact   # no checkpoints: the chain alone
    # The append-only triggers were made again.
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor_name = 'x' WHERE seq = 1"))
    engine.dispose()


# --- two wards at once (PostgreSQL) -------------------------------------------------------------------------


@pytest.mark.skipif(not is_postgres(), reason="row locks between connections need PostgreSQL")
def test_two_wards_record_at_once_without_waiting_on_each_other(database_factory):
    """Ward A's writer holds its chain's lock in an open transaction; ward B's event is recorded and committed
    meanwhile, while a second writer of ward A really waits for A's lock."""
    from docflow import db, migrations

    engine = db.make_engine(database_factory("wardlocks"))
    migrations.upgrade(engine)
    with Session(engine) as s, s.begin():
        a, b = Organisation(name="UBND phường A", code="WA"), Organisation(name="UBND phường B", code="WB")
        s.add_all([a, b])
        s.flush()
        ids = a.id, b.id
        for ward in ids:   # both chains have a head already
            _append(s, 1, organisation_id=ward)
    holder = Session(engine)
    holder.begin()
    try:
        _append(holder, 1, organisation_id=ids[0])   # ward A's head row stays locked until rollback
        with Session(engine) as other, other.begin():
            other.execute(text("SET LOCAL lock_timeout = '3s'"))
            event = _append(other, 1, organisation_id=ids[1])[0]
            assert event.seq == 2
        with pytest.raises(OperationalError, match="lock timeout"), Session(engine) as same, same.begin():
            same.execute(text("SET LOCAL lock_timeout = '300ms'"))
            _append(same, 1, organisation_id=ids[0])
    finally:
        holder.rollback()
        holder.close()
    with Session(engine) as s:
        assert all(verify_chain(s, organisation_id=ward).intact for ward in ids)
    engine.dispose()
