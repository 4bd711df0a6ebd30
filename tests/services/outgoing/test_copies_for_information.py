"""The ward's own issued documents delivered to its departments are copies for information, not incoming
documents (Decree 30, Art. 20–22 register what is received from other bodies; rule R13): no số đến, no line
in the incoming register, nothing in the chairman's direction queue, "for information" for the department."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from docflow.errors import InvalidTransitionError
from docflow.models import Document, DocumentStatus, Role, utc_now
from docflow.models.routing import AssignmentRole
from docflow.services import incoming, outgoing, queues, registers
from docflow.services.incoming import Direction, Target
from docflow.services.queues import Day, QueueName
from docflow.services.registers import EntryFilters
from docflow.models import RegisterKind
from tests.services.outgoing.test_outgoing import _issue, _signed, ward  # noqa: F401 - fixtures


@pytest.fixture
def delivered(db_session: Any, store: Any, ward: Any, signing_settings: Any) -> Document:  # noqa: F811
    document = _signed(db_session, signing_settings, store, ward)
    _issue(db_session, signing_settings, store, document, ward.clerk)
    [copy_id] = [r.delivered_document_id for r in outgoing.recipients_of(db_session, document.id)
                 if r.delivered_document_id]
    copy = db_session.get(Document, copy_id)
    assert copy is not None
    return copy


def test_r13_a_delivered_copy_takes_no_so_den_and_no_line_in_the_incoming_register(db_session, delivered, ward):
    assert delivered.status is DocumentStatus.FOR_INFORMATION
    assert delivered.register_id is None and delivered.register_number is None
    year = utc_now().year
    entries = list(registers.iter_entries(db_session, actor=None, organisation_id=ward.clerk.organisation_id,
                                          kind=RegisterKind.INCOMING, year=year, filters=EntryFilters(),
                                          tz=ZoneInfo("Asia/Ho_Chi_Minh"), today=date.today()))
    assert delivered.id not in [e.document_id for e in entries]


def test_r2_a_delivered_copy_never_fills_the_chairmans_direction_queue(app, db_session, delivered, ward):
    day = Day(date.today())
    assert delivered.id not in [i.document.id for i in
                                queues.list_queue(db_session, actor=ward.chairman, name=QueueName.DIRECT, day=day).items]
    with pytest.raises(InvalidTransitionError):
        incoming.direct_document(db_session, actor=ward.chairman, document_id=delivered.id,
                                 settings=app.extensions["docflow.settings"],
                                 direction=Direction(targets=(Target(AssignmentRole.LEAD,
                                                                     department_id=ward.land.id),)))


def test_r13_the_department_sees_the_copy_for_information(db_session, delivered, ward, make_user):
    reader = make_user(Role.OFFICIAL, department=ward.culture)
    page = incoming.list_incoming(db_session, actor=reader)
    assert delivered.id in [d.id for d in page.items]
    assert incoming.number_label(delivered) == "—"
