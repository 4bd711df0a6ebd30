"""The numbering race: eight clerks issuing at once get consecutive numbers, none doubled, none skipped,
and a number taken by a transaction that rolls back is taken again by the next one."""

from __future__ import annotations

import threading

from sqlalchemy import select

from docflow import db
from docflow.models import Document, DocumentKind, DocumentStatus, Organisation, RegisterKind, User, utc_now
from docflow.services import registers

THREADS, PER_THREAD = 8, 25
YEAR = 2099  # a register no other test of the committed database touches


class Undo(Exception):
    """Raised inside a transaction to roll it back after a number was taken (a failed signature)."""


def issue_numbers(app, worker: int, outcomes: list[object], barrier: threading.Barrier) -> None:
    committed = attempts = 0
    try:
        with app.app_context():
            session = db.get_session()
            org_id = session.execute(select(Organisation.id)).scalar_one()
            clerk_id = session.execute(select(User.id).where(User.username == "vanthu")).scalar_one()
            session.rollback()
            barrier.wait()
            while committed < PER_THREAD:
                attempts += 1
                try:
                    with db.transaction() as s:
                        org = s.get(Organisation, org_id)
                        register, number = registers.take_number(s, organisation=org, kind=RegisterKind.OUTGOING,
                                                                 year=YEAR)
                        s.add(Document(organisation_id=org_id, kind=DocumentKind.OUTGOING, doc_type="quyet_dinh",
                                       summary=f"race {worker}", number_symbol=f"{number:02d}/QĐ-UBND",
                                       status=DocumentStatus.ISSUED, register_id=register.id,
                                       register_number=number, issued_at=utc_now(), created_by_id=clerk_id))
                        s.flush()
                        if (worker + attempts) % 4 == 0:
                            raise Undo
                    committed += 1
                except Undo:
                    pass
        outcomes.append((committed, attempts))
    except Exception as exc:  # noqa: BLE001 - any failure shows in the assertion below
        outcomes.append(exc)


def test_eight_concurrent_issuers_get_consecutive_numbers_and_rolled_back_numbers_are_reused(committed_app):
    outcomes: list[object] = []
    barrier = threading.Barrier(THREADS)
    threads = [threading.Thread(target=issue_numbers, args=(committed_app, n, outcomes, barrier))
               for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)

    assert all(isinstance(o, tuple) for o in outcomes) and len(outcomes) == THREADS, outcomes
    rolled_back = sum(attempts - committed for committed, attempts in outcomes)  # type: ignore[misc]
    assert rolled_back > 0
    with committed_app.app_context():
        session = db.get_session()
        register = session.execute(select(registers.Register).where(registers.Register.year == YEAR,
                                                                    registers.Register.code == "di")).scalar_one()
        numbers = sorted(session.execute(select(Document.register_number)
                                         .where(Document.register_id == register.id)).scalars())
        assert numbers == list(range(1, THREADS * PER_THREAD + 1))
        assert register.last_number == THREADS * PER_THREAD
