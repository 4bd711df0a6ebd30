"""Tampering with one ward's audit chain straight in the database is caught in that ward's chain and leaves the
other ward's intact (issue 16 §3; R73): an edited event, an event moved from one ward's chain to another's, a
removed chain head."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from docflow.models import AuditEvent, AuditHead
from docflow.services import audit
from docflow.services.audit import AuditAction, ProblemKind, verify_chain
from docflow.services.people.organisation import create_ward
from tests.conftest import is_postgres


def bypass_triggers(session: Session) -> None:
    """An attacker who goes around the app: whoever has the SQLite file drops the triggers; a PostgreSQL
    superuser turns triggers off for the transaction. Both end with the test's rollback."""
    if is_postgres():
        session.execute(text("SET LOCAL session_replication_role = replica"))
        return
    session.execute(text("DROP TRIGGER IF EXISTS audit_head_no_delete"))
    for table in ("audit_events", "audit_checkpoints"):
        for verb in ("update", "delete"):
            session.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{verb}"))


@pytest.fixture
def two_chains(db_session, org):
    """Ward A (the test ward) and ward B, each with a few events of its own (A's chain the longer)."""
    ward_b = create_ward(db_session, name="UBND phường Hai", code="W2")
    for i in range(4):
        for ward in (org.id, ward_b.id) if i < 2 else (org.id, org.id, ward_b.id):
            audit.record(db_session, action=AuditAction.DOCUMENT_VIEWED, actor=None, object_type="document",
                         object_id=i, details={"i": i}, organisation_id=ward)
    db_session.expunge_all()
    return org.id, ward_b.id


def _events(session: Session, ward: int) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).where(AuditEvent.organisation_id == ward)
                                .order_by(AuditEvent.seq)).scalars())


def test_an_edited_event_of_ward_b_breaks_ward_bs_chain_there_and_not_ward_as(db_session, two_chains):
    ward_a, ward_b = two_chains
    target = _events(db_session, ward_b)[2]
    bypass_triggers(db_session)
    db_session.execute(text("UPDATE audit_events SET actor_name = 'mallory' WHERE id = :i"), {"i": target.id})
    db_session.expire_all()
    report = verify_chain(db_session, organisation_id=ward_b)
    assert (report.problem_seq, report.problem_kind) == (target.seq, ProblemKind.CHANGED)
    assert verify_chain(db_session, organisation_id=ward_a).intact


def test_an_event_moved_to_another_wards_chain_is_found_in_both(db_session, two_chains):
    ward_a, ward_b = two_chains
    a_events, b_events = _events(db_session, ward_a), _events(db_session, ward_b)
    bypass_triggers(db_session)
    # Onto a position ward B already has: the database refuses it (one event per position of a ward's chain).
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(text("UPDATE audit_events SET organisation_id = :b WHERE id = :i"),
                           {"b": ward_b, "i": next(e for e in a_events if e.seq <= len(b_events)).id})
    # Past ward B's head: ward A misses it and ward B holds an event that does not continue its chain.
    moved = a_events[-1]
    assert moved.seq > len(b_events) + 1
    db_session.execute(text("UPDATE audit_events SET organisation_id = :b WHERE id = :i"), {"b": ward_b, "i": moved.id})
    db_session.expire_all()
    report_a = verify_chain(db_session, organisation_id=ward_a)
    assert (report_a.problem_seq, report_a.problem_kind) == (moved.seq, ProblemKind.TRUNCATED)
    report_b = verify_chain(db_session, organisation_id=ward_b)
    assert (report_b.problem_seq, report_b.problem_kind) == (moved.seq, ProblemKind.INSERTED)


def test_an_event_moved_and_renumbered_onto_another_wards_head_does_not_match_its_hash(db_session, two_chains):
    """The forger also renumbers the event to continue ward B and moves B's head onto it: the event's hash
    covers its ward and position, so ward B's chain breaks exactly there."""
    ward_a, ward_b = two_chains
    moved = _events(db_session, ward_a)[1]
    head_b = db_session.execute(select(AuditHead).where(AuditHead.organisation_id == ward_b)).scalar_one()
    seq = head_b.seq + 1
    bypass_triggers(db_session)
    db_session.execute(text("UPDATE audit_events SET organisation_id = :b, seq = :s, prev_hash = :p WHERE id = :i"),
                       {"b": ward_b, "s": seq, "p": head_b.hash, "i": moved.id})
    db_session.execute(text("UPDATE audit_head SET seq = :s, hash = :h WHERE organisation_id = :b"),
                       {"s": seq, "h": moved.hash, "b": ward_b})
    db_session.expire_all()
    report_b = verify_chain(db_session, organisation_id=ward_b)
    assert (report_b.problem_seq, report_b.problem_kind) == (seq, ProblemKind.CHANGED)
    assert not verify_chain(db_session, organisation_id=ward_a).intact


def test_the_database_refuses_to_delete_a_wards_chain_head(db_session, two_chains):
    _ward_a, ward_b = two_chains
    db_session.commit()   # the test's savepoint: the refused statement below rolls back only itself
    with pytest.raises(DBAPIError), db_session.begin_nested():
        db_session.execute(text("DELETE FROM audit_head WHERE organisation_id = :b"), {"b": ward_b})
    assert verify_chain(db_session, organisation_id=ward_b).intact


def test_a_removed_chain_head_is_found_and_the_chain_cannot_start_over(db_session, two_chains):
    ward_a, ward_b = two_chains
    last = _events(db_session, ward_b)[-1].seq
    bypass_triggers(db_session)
    db_session.execute(text("DELETE FROM audit_head WHERE organisation_id = :b"), {"b": ward_b})
    db_session.expire_all()
    report = verify_chain(db_session, organisation_id=ward_b)
    assert (report.problem_seq, report.problem_kind) == (last, ProblemKind.TRUNCATED)
    assert "head is missing" in report.problem.detail
    assert verify_chain(db_session, organisation_id=ward_a).intact
    # The ward's next event would start the chain over at #1, which the ward's chain already holds: refused.
    with pytest.raises(IntegrityError), db_session.begin_nested():
        audit.record(db_session, action=AuditAction.DOCUMENT_VIEWED, actor=None, organisation_id=ward_b)
