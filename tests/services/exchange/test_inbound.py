"""Taking a message in (the HTTPS endpoint and the folder transport share it): committed before "yes";
a bad message or an unknown sender is refused for good and leaves nothing; anything else is "try again".
The exchange's receive_message is stood in for by a receiver of this test that keeps a department row, so
that what a refusal leaves behind can be seen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.errors import N_, PermissionDeniedError, ValidationError
from docflow.models import Department
from docflow.services.exchange.inbound import poll_inbox, take_in
from tests.services.exchange.helpers import savepoint

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Got:
    kind: str
    sender_organ_id: str


def receive(session: Session, *, organisation: Any, data: bytes, settings: Any, store: Any, now: datetime) -> Got:
    """Messages of this test read ``SENDER:WORD``: ``bad`` is altered, ``who`` from an unknown sender,
    ``boom`` an outage; otherwise a department named after the message is kept."""
    sender, _, word = data.decode().partition(":")
    session.add(Department(organisation_id=organisation.id, name=f"in {word}", code=f"IN{abs(hash(data)) % 10**6}"))
    session.flush()
    if word == "bad":
        raise ValidationError(N_("An exchange message cannot be empty."))
    if word == "who":
        raise PermissionDeniedError(N_("No such exchange message."))
    if word == "boom":
        raise RuntimeError("database went away")
    return Got("edoc", sender)


def _kept(db_session: Session, word: str) -> bool:
    return db_session.execute(select(Department.id).where(Department.name == f"in {word}")).first() is not None


@pytest.fixture
def settings(app: Any) -> Any:
    return app.extensions["docflow.settings"]


def test_a_message_is_committed_then_answered_200(db_session: Session, org: Any, settings: Any, store: Any) -> None:
    inbound = take_in(savepoint(db_session), data=b"000.00.02.H99:hello", receive=receive, settings=settings,
                      store=store, clock=lambda: NOW)
    assert (inbound.status, inbound.sender_organ_id, inbound.kind) == (200, "000.00.02.H99", "edoc")
    assert _kept(db_session, "hello")


@pytest.mark.parametrize(("word", "status"), [("bad", 400), ("who", 403), ("boom", 500)])
def test_a_refusal_or_an_outage_leaves_nothing_behind(db_session: Session, org: Any, settings: Any, store: Any,
                                                      word: str, status: int) -> None:
    inbound = take_in(savepoint(db_session), data=f"000.00.02.H99:{word}".encode(), receive=receive,
                      settings=settings, store=store, clock=lambda: NOW)
    assert inbound.status == status and inbound.final is (status < 500)
    assert not _kept(db_session, word)


def test_a_message_whose_sender_is_not_the_connections_partner_is_refused_and_not_kept(
        db_session: Session, org: Any, settings: Any, store: Any) -> None:
    inbound = take_in(savepoint(db_session), data=b"000.00.03.H99:forged", receive=receive, settings=settings,
                      store=store, tls_organs=frozenset({"000.00.02.H99"}), clock=lambda: NOW)
    assert inbound.status == 403 and not _kept(db_session, "forged")


def test_the_inbox_folder_moves_files_to_done_or_rejected_with_a_reason_and_keeps_the_rest(
        db_session: Session, org: Any, settings: Any, store: Any, tmp_path: Path) -> None:
    for name, body in {"1.edxml": "000.00.02.H99:one", "2.edxml": "000.00.02.H99:bad",
                       "3.xml": "000.00.02.H99:boom", "notes.txt": "ignored",
                       ".4.edxml.tmp": "half written"}.items():
        (tmp_path / name).write_text(body)
    results = dict(poll_inbox(savepoint(db_session), folder=tmp_path, receive=receive, settings=settings,
                              store=store, clock=lambda: NOW))
    assert {name: r.status for name, r in results.items()} == {"1.edxml": 200, "2.edxml": 400, "3.xml": 500}
    assert (tmp_path / "done" / "1.edxml").read_text() == "000.00.02.H99:one"
    assert (tmp_path / "rejected" / "2.edxml").exists()
    assert (tmp_path / "rejected" / "2.edxml.reason.txt").read_text().startswith("400 ")
    assert (tmp_path / "3.xml").exists() and (tmp_path / "notes.txt").exists()
    assert (tmp_path / ".4.edxml.tmp").exists()
    assert _kept(db_session, "one") and not _kept(db_session, "bad")
