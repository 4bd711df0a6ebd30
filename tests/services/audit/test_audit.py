"""The hash chain: intact after normal work, and every kind of tampering found at its position."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from docflow.models import AuditCheckpoint, AuditEvent
from docflow.services import audit
from docflow.services.audit import AuditAction, ProblemKind, verify_chain
from tests.conftest import is_postgres


def bypass_append_only(session: Session) -> None:
    """Act as an attacker who goes around the app: on SQLite, whoever has the file drops the triggers; on
    PostgreSQL a superuser turns triggers off for the transaction. Both end with the test's rollback."""
    if is_postgres():
        session.execute(text("SET LOCAL session_replication_role = replica"))
        return
    for table in ("audit_events", "audit_checkpoints"):
        for verb in ("update", "delete"):
            session.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{verb}"))


def _append(session: Session, n: int) -> list[AuditEvent]:
    return [audit.record(session, action=AuditAction.DOCUMENT_VIEWED, actor=None, object_type="document",
                         object_id=i, details={"i": i, "text": "Trích yếu có dấu"}) for i in range(n)]


def test_recorded_events_form_an_intact_chain(db_session, org):
    events = _append(db_session, 5)
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + 5))
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:]))
    report = verify_chain(db_session)
    assert report.intact
    assert report.last_seq == events[-1].seq


def test_canonical_encoding_is_independent_of_key_order_and_uses_utc():
    when = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    a = audit.canonical_bytes(seq=1, occurred_at=when, actor_id=None, actor_name="x", action="a",
                              object_type="t", object_id="1", details={"b": 1, "a": "Văn bản"})
    b = audit.canonical_bytes(seq=1, occurred_at=when, actor_id=None, actor_name="x", action="a",
                              object_type="t", object_id="1", details={"a": "Văn bản", "b": 1})
    assert a == b
    assert "Văn bản".encode() in a and b'"2026-01-02T03:04:05.000006Z"' in a


def test_a_changed_row_is_found_at_its_position(db_session, org):
    events = _append(db_session, 6)
    db_session.expunge_all()
    bypass_append_only(db_session)
    target = events[3]
    db_session.execute(text("UPDATE audit_events SET actor_name = 'mallory' WHERE seq = :s"), {"s": target.seq})
    db_session.expire_all()
    report = verify_chain(db_session)
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (target.seq, ProblemKind.CHANGED)


def test_changed_details_are_found(db_session, org):
    events = _append(db_session, 4)
    db_session.expunge_all()
    bypass_append_only(db_session)
    db_session.execute(text("UPDATE audit_events SET details = :d WHERE seq = :s"),
                       {"d": '{"i": 99, "text": "Trích yếu có dấu"}', "s": events[1].seq})
    db_session.expire_all()
    report = verify_chain(db_session)
    assert report.problem is not None and report.problem.seq == events[1].seq


def test_a_removed_row_is_found_at_its_position(db_session, org):
    removed = _append(db_session, 6)[2].seq
    bypass_append_only(db_session)
    db_session.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": removed})
    db_session.expire_all()
    report = verify_chain(db_session)
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (removed, ProblemKind.REMOVED)


def test_a_removed_last_row_is_found_through_the_head(db_session, org):
    last = _append(db_session, 3)[-1].seq
    bypass_append_only(db_session)
    db_session.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": last})
    db_session.expire_all()
    report = verify_chain(db_session)
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (last, ProblemKind.TRUNCATED)


def test_an_inserted_row_is_found(db_session, org):
    events = _append(db_session, 4)
    db_session.expunge_all()
    bypass_append_only(db_session)
    # A forger renumbers the tail and slips a self-consistent row in at position 3.
    victim = events[2]
    for e in reversed(events[2:]):
        db_session.execute(text("UPDATE audit_events SET seq = seq + 1 WHERE id = :i"), {"i": e.id})
    forged_seq = victim.seq
    content = audit.canonical_bytes(seq=forged_seq, occurred_at=victim.occurred_at, actor_id=None,
                                    actor_name="system", action="user.created", object_type="user",
                                    object_id="1", details={})
    forged_hash = audit.event_hash(events[1].hash, content)
    db_session.execute(text(
        "INSERT INTO audit_events (organisation_id, seq, occurred_at, actor_id, actor_name, action, object_type, "
        "object_id, details, prev_hash, hash) VALUES (:o, :seq, :at, NULL, 'system', 'user.created', 'user', '1', "
        "'{}', :p, :h)"),
        {"o": org.id, "seq": forged_seq, "at": victim.occurred_at.replace(tzinfo=None) if not is_postgres() else victim.occurred_at,
         "p": events[1].hash, "h": forged_hash})
    db_session.expire_all()
    report = verify_chain(db_session)
    assert report.problem is not None
    assert report.problem.seq == forged_seq
    assert report.problem.kind is ProblemKind.INSERTED


def test_two_swapped_rows_are_found(db_session, org):
    events = _append(db_session, 5)
    db_session.expunge_all()
    bypass_append_only(db_session)
    a, b = events[1], events[2]
    db_session.execute(text("UPDATE audit_events SET seq = -1 WHERE id = :i"), {"i": a.id})
    db_session.execute(text("UPDATE audit_events SET seq = :s WHERE id = :i"), {"s": a.seq, "i": b.id})
    db_session.execute(text("UPDATE audit_events SET seq = :s WHERE id = :i"), {"s": b.seq, "i": a.id})
    db_session.expire_all()
    report = verify_chain(db_session)
    assert report.problem is not None
    assert report.problem.seq == a.seq
    assert report.problem.kind is ProblemKind.REORDERED


def test_a_range_can_be_verified_on_its_own(db_session, org):
    events = _append(db_session, 6)
    db_session.expunge_all()
    bypass_append_only(db_session)
    db_session.execute(text("UPDATE audit_events SET action = 'x' WHERE seq = :s"), {"s": events[5].seq})
    db_session.expire_all()
    assert verify_chain(db_session, from_seq=events[1].seq, to_seq=events[4].seq).intact
    assert not verify_chain(db_session, from_seq=events[1].seq).intact


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor_name = 'mallory' WHERE seq = :s",
                                       "DELETE FROM audit_events WHERE seq = :s",
                                       "UPDATE audit_checkpoints SET hash = 'x' WHERE seq = :s",
                                       "DELETE FROM audit_checkpoints WHERE seq = :s"])
def test_the_database_refuses_to_change_the_log(db_session, org, statement):
    seq = _append(db_session, 2)[-1].seq
    db_session.add(AuditCheckpoint(organisation_id=org.id, seq=seq, hash="0" * 64, created_at=datetime.now(UTC),
                                   organisation="x",
                                   signature=b"x", certificate=b"x"))   # inserting is allowed
    db_session.commit()   # the test's savepoint: the refused statement below rolls back only itself
    with pytest.raises(DBAPIError, match="append-only"):
        with db_session.begin_nested():
            db_session.execute(text(statement), {"s": seq})
    assert verify_chain(db_session).intact


@pytest.mark.skipif(not is_postgres(), reason="TRUNCATE is PostgreSQL's")
def test_postgres_refuses_truncate(db_session, org):
    _append(db_session, 1)
    for table in ("audit_events", "audit_checkpoints"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db_session.begin_nested():
                db_session.execute(text(f"TRUNCATE {table}"))


def test_the_head_stays_writable(db_session, org):
    head = audit.lock_chain(db_session, org.id)
    db_session.execute(text("UPDATE audit_head SET checkpoint_seq = checkpoint_seq WHERE organisation_id = :o"),
                       {"o": org.id})
    assert head.organisation_id == org.id


@pytest.fixture
def system_checkpointer(committed_app):
    """The committed database's system certificate and a checkpointer signing every 7 events; the certificate
    is withdrawn afterwards so other committed tests do not sign checkpoints."""
    import dataclasses

    from docflow.config import AuditSettings
    from docflow.models import Certificate
    from docflow.services import keys as key_service
    from docflow.services.audit.checkpoints import Checkpointer
    from docflow.signing.base import CertificateKind

    settings = committed_app.extensions["docflow.settings"]
    key_service.init_ca(settings, organisation="UBND phường Tích Sơn")
    engine = committed_app.extensions["docflow.engine"]
    with Session(engine) as s, s.begin():
        cert = key_service.issue_certificate(s, settings=settings, actor=None, holder=None,
                                             kind=CertificateKind.SYSTEM, pin="")
        cert_id = cert.id
    yield Checkpointer(dataclasses.replace(settings, audit=AuditSettings(checkpoint_every_events=7,
                                                                         checkpoint_every_minutes=0)))
    with Session(engine) as s, s.begin():
        s.get(Certificate, cert_id).status = "revoked"


@pytest.mark.skipif(not is_postgres(), reason="concurrent writers need PostgreSQL")
def test_concurrent_writers_keep_one_chain(committed_app, system_checkpointer):
    from docflow.services.audit import CHECKPOINTER
    from docflow.services.audit.checkpoints import trust_for

    engine = committed_app.extensions["docflow.engine"]
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                with Session(engine, info={CHECKPOINTER: system_checkpointer}) as s, s.begin():
                    audit.record(s, action=AuditAction.DOCUMENT_VIEWED, actor=None, object_type="bench",
                                 object_id=f"{n}-{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with Session(engine) as s:
        rows = s.execute(text("SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq")).all()
        assert len({r.seq for r in rows}) == len(rows)
        assert all(b.prev_hash == a.hash and b.seq == a.seq + 1 for a, b in zip(rows, rows[1:]))
        written = s.execute(text("SELECT count(*) FROM audit_events WHERE object_type = 'bench'")).scalar()
        assert written == 200
        # Checkpoints were signed while the writers raced: one per 7 events, each on the head its writer committed.
        checkpoints = s.execute(text("SELECT seq, hash FROM audit_checkpoints ORDER BY seq")).all()
        by_seq = {r.seq: r.hash for r in rows}
        assert len(checkpoints) >= 200 // 7 and all(by_seq[c.seq] == c.hash for c in checkpoints)
        assert all(b.seq - a.seq == 7 for a, b in zip(checkpoints, checkpoints[1:]))
        report = verify_chain(s, trust=trust_for(committed_app.extensions["docflow.settings"]))
        assert report.intact and report.checkpoints_checked == len(checkpoints)


def test_a_long_chain_is_verified_by_worker_processes(committed_app, monkeypatch):
    from docflow.services.audit import parallel as audit_parallel

    monkeypatch.setattr(audit_parallel, "PARALLEL_MIN_ROWS", 1)
    engine = committed_app.extensions["docflow.engine"]
    with Session(engine) as s, s.begin():
        _append(s, 30)
    used: list[object] = []
    real = audit_parallel.verify_parallel

    def spy(**kwargs):
        used.append(result := real(**kwargs))
        return result

    monkeypatch.setattr(audit_parallel, "verify_parallel", spy)
    with Session(engine) as s:
        report = verify_chain(s, workers=2)
        single = verify_chain(s, workers=1)
    assert used and used[0] is not None   # the workers' verdict was used, not the one-pass fallback
    assert report.intact and (report.checked, report.last_seq) == (single.checked, single.last_seq)


def test_uncommitted_tampering_is_not_hidden_by_the_worker_processes(db_session, org, monkeypatch):
    # workers only see committed rows; a session's own view that disagrees falls back to the one-pass check
    from docflow.services.audit import parallel as audit_parallel

    monkeypatch.setattr(audit_parallel, "PARALLEL_MIN_ROWS", 1)
    events = _append(db_session, 5)
    bypass_append_only(db_session)
    db_session.execute(text("UPDATE audit_events SET action = 'x' WHERE seq = :s"), {"s": events[2].seq})
    report = verify_chain(db_session, workers=2)
    assert (report.problem_seq, report.problem_kind) == (events[2].seq, ProblemKind.CHANGED)


def test_migration_0006_rehashes_an_existing_chain(database_factory):
    """Events written before 0006 (old hash formula, details as json.dumps wrote them) verify after it."""
    import hashlib

    from docflow import db, migrations

    engine = db.make_engine(database_factory("rehash"))
    migrations.upgrade(engine, "0005")
    prev = audit.GENESIS_HASH
    with engine.begin() as conn:
        for seq in (1, 2, 3):
            digest = hashlib.sha256(f"{prev}\nold".encode()).hexdigest()
            conn.execute(text("INSERT INTO audit_events (seq, occurred_at, actor_id, actor_name, action, object_type, "
                              "object_id, details, prev_hash, hash) VALUES (:seq, :at, NULL, 'system', 'user.created', "
                              "'user', :seq, :d, :p, :h)"),
                         {"seq": seq, "at": datetime(2026, 1, seq, 3, 4, 5, tzinfo=UTC) if is_postgres()
                          else f"2026-01-0{seq} 03:04:05.000000", "d": '{"z": 1, "a": "Văn bản"}', "p": prev, "h": digest})
            prev = digest
        conn.execute(text("UPDATE audit_head SET seq = 3, hash = :h"), {"h": prev})
        # The events were the ward's before wards had chains of their own (0039 gives them to the first ward).
        conn.execute(text("INSERT INTO organisations (name, code, created_at) VALUES ('UBND phường Thử Nghiệm', 'UBND', "
                          "'2026-01-01 00:00:00')"))
    migrations.upgrade(engine)
    with Session(engine) as s:
        report = verify_chain(s)
        assert report.intact and report.checked == 3
        stored = s.execute(text("SELECT CAST(details AS TEXT) FROM audit_events WHERE seq = 1")).scalar()
        assert stored == '{"a":"Văn bản","z":1}'
    engine.dispose()
