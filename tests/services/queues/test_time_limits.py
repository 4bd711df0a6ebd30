"""The time limits of Decree 30 (rules R3, R36), measured with frozen time on the working calendar: an incoming
document is presented the day it arrives (the next working day when it arrived late or on a day off), an
urgent one at once; an outgoing one is issued the day it is signed, the next working day at the latest. The
clerk's home lists what is about to break them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from docflow.models import DocumentStatus, Role, Urgency, utc_now
from docflow.services import queues
from docflow.services.calendar import DeadlineState, WorkingCalendar
from docflow.services.queues import Limit
from tests.services.outgoing.test_outgoing import _signed, ward  # noqa: F401 - fixtures

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
WEEK = WorkingCalendar()
TUESDAY_9 = datetime(2026, 3, 10, 9, 0, tzinfo=TZ)


def _local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=TZ)


def test_r3_an_incoming_document_is_presented_the_day_it_arrives():
    assert queues.presentation_due(WEEK, _local(10, 9), urgent=False, tz=TZ) == date(2026, 3, 10)
    assert queues.presentation_due(WEEK, _local(10, 17), urgent=False, tz=TZ) == date(2026, 3, 11)   # late
    assert queues.presentation_due(WEEK, _local(13, 17), urgent=False, tz=TZ) == date(2026, 3, 16)   # Fri late
    assert queues.presentation_due(WEEK, _local(14, 10), urgent=False, tz=TZ) == date(2026, 3, 16)   # Saturday
    assert queues.presentation_due(WEEK, _local(14, 10), urgent=True, tz=TZ) == date(2026, 3, 14)    # at once
    holiday = WorkingCalendar(days_off=frozenset({date(2026, 3, 11)}))
    assert queues.presentation_due(holiday, _local(10, 17), urgent=False, tz=TZ) == date(2026, 3, 12)


def test_r36_an_outgoing_document_is_issued_the_day_it_is_signed_the_next_working_day_at_the_latest():
    assert queues.issue_due(WEEK, date(2026, 3, 10), urgent=False) == date(2026, 3, 11)
    assert queues.issue_due(WEEK, date(2026, 3, 13), urgent=False) == date(2026, 3, 16)   # Friday → Monday
    assert queues.issue_due(WEEK, date(2026, 3, 13), urgent=True) == date(2026, 3, 13)


@pytest.fixture
def registered(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)

    def make(at: datetime, urgency: Urgency = Urgency.NORMAL):
        document = make_document(clerk, urgency=urgency)
        document.received_at = at.astimezone(UTC)
        db_session.flush()
        return document
    return clerk, make


def _watch(db_session, actor, now: datetime):
    return {i.document.id: i for i in queues.time_limits(db_session, actor=actor, calendar=WEEK, now=now, tz=TZ)}


def test_r3_the_clerk_sees_a_registered_document_at_risk_then_overdue_until_it_is_directed(db_session, registered,
                                                                                            make_user):
    clerk, make = registered
    letter = make(_local(10, 9))
    urgent = make(_local(10, 9), Urgency.EXPRESS)
    same_day = _watch(db_session, clerk, TUESDAY_9 + timedelta(hours=2))
    assert same_day[letter.id].limit is Limit.PRESENT and same_day[letter.id].state is DeadlineState.AT_RISK
    next_day = _watch(db_session, clerk, _local(11, 9))
    assert next_day[letter.id].state is next_day[urgent.id].state is DeadlineState.OVERDUE
    assert list(next_day)[0] == urgent.id                      # overdue and urgent first
    assert letter.id in _watch(db_session, make_user(Role.LEADER), _local(11, 9))
    assert _watch(db_session, make_user(Role.OFFICIAL), _local(11, 9)) == {}
    letter.status = DocumentStatus.IN_PROGRESS                 # directed: transferred to its handlers
    db_session.flush()
    assert letter.id not in _watch(db_session, clerk, _local(11, 9))


def test_r36_the_clerk_sees_a_signed_document_to_issue_at_risk_then_overdue(db_session, store, ward,  # noqa: F811
                                                                            signing_settings):
    document = _signed(db_session, signing_settings, store, ward)
    signed_on = utc_now().astimezone(TZ).date()
    now = datetime.combine(signed_on, datetime.min.time(), TZ) + timedelta(hours=15)
    today = _watch(db_session, ward.clerk, now)[document.id]
    assert (today.limit, today.since, today.state) == (Limit.ISSUE, signed_on, DeadlineState.AT_RISK)
    assert today.due == WEEK.next_working_day(signed_on + timedelta(days=1))
    later = _watch(db_session, ward.clerk, now + timedelta(days=5))[document.id]
    assert later.state is DeadlineState.OVERDUE
    assert document.id not in _watch(db_session, ward.leader, now)    # issuing is the clerk's


def test_r3_the_clerks_home_shows_the_time_limits(client, db_session, registered):
    clerk, make = registered
    document = make(_local(10, 9))
    client.login(clerk)
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="time-limits"' in html and f'data-document-id="{document.id}" data-limit="present"' in html
