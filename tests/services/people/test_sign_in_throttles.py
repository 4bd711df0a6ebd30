"""Sign-in throttles: growing waits per username, a ceiling per address, the check cap, all audited."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from docflow.models import LoginThrottle, Role, ThrottleKind, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.people import (
    PasswordCheckGate,
    SignInOutcome,
    SignInPolicy,
    address_key,
    record_password_change_failure,
    sign_in,
)
from tests.conftest import PASSWORD

NOW = utc_now()


def _fail(db_session, username, times, *, at=NOW, addr=""):
    return [sign_in(db_session, username=username, password=f"sai-{i}", remote_addr=addr, now=at)
            for i in range(times)]


def test_the_wait_starts_after_the_free_failures_doubles_and_stops_growing_at_the_cap():
    policy = SignInPolicy()
    assert [policy.wait_after(n) for n in range(1, 5)] == [None] * 4
    assert [policy.wait_after(n).total_seconds() for n in range(5, 12)] == [30, 60, 120, 240, 480, 600, 600]
    assert policy.wait_after(10_000) == timedelta(minutes=10)


def test_an_unknown_username_gets_exactly_the_answers_of_a_real_one(db_session, make_user):
    real = make_user(Role.CLERK)
    answers = {}
    for name in (real.username, "khong-ton-tai"):
        results = _fail(db_session, name, 6)
        answers[name] = [(r.outcome, r.retry_at) for r in results]
    assert answers[real.username] == answers["khong-ton-tai"]


def test_a_success_after_the_wait_clears_the_count(db_session, make_user):
    user = make_user(Role.CLERK)
    _fail(db_session, user.username, 5)
    assert sign_in(db_session, username=user.username, password=PASSWORD,
                   now=NOW + timedelta(seconds=31)).outcome is SignInOutcome.OK
    again = sign_in(db_session, username=user.username, password="sai", now=NOW + timedelta(seconds=32))
    assert again.outcome is SignInOutcome.BAD_CREDENTIALS


def test_failures_a_day_old_are_forgotten(db_session, make_user):
    user = make_user(Role.CLERK)
    _fail(db_session, user.username, 4)
    later = _fail(db_session, user.username, 1, at=NOW + timedelta(hours=25))
    assert later[0].outcome is SignInOutcome.BAD_CREDENTIALS


def test_the_address_ceiling_holds_for_its_window_then_lifts(db_session, make_user):
    user = make_user(Role.CLERK)
    policy = SignInPolicy(address_max_failures=3, address_window=timedelta(minutes=15))
    for i in range(3):
        sign_in(db_session, username=f"ai-{i}", password="x", remote_addr="192.0.2.1", policy=policy, now=NOW)
    refused = sign_in(db_session, username=user.username, password=PASSWORD, remote_addr="192.0.2.1",
                      policy=policy, now=NOW + timedelta(minutes=5))
    assert refused.outcome is SignInOutcome.ADDRESS_LIMITED and refused.retry_at == NOW + timedelta(minutes=15)
    elsewhere = sign_in(db_session, username=user.username, password=PASSWORD, remote_addr="192.0.2.2",
                        policy=policy, now=NOW + timedelta(minutes=5))
    assert elsewhere.outcome is SignInOutcome.OK
    lifted = sign_in(db_session, username=user.username, password=PASSWORD, remote_addr="192.0.2.1",
                     policy=policy, now=NOW + timedelta(minutes=16))
    assert lifted.outcome is SignInOutcome.OK


@pytest.mark.parametrize("a,b,same", [
    ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),
    ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
    ("::ffff:192.0.2.7", "192.0.2.7", True),
    ("192.0.2.7", "192.0.2.8", False),
])
def test_an_ipv6_slash_64_counts_as_one_address(a, b, same):
    assert (address_key(a) == address_key(b)) is same


def test_throttle_rows_belong_to_the_ward_and_hold_no_username_or_address(db_session, org, make_user):
    _fail(db_session, "ten-go-nham", 1, addr="192.0.2.50")
    rows = db_session.execute(select(LoginThrottle)).scalars().all()
    assert {r.kind for r in rows} == {ThrottleKind.USERNAME, ThrottleKind.ADDRESS}
    assert {r.organisation_id for r in rows} == {org.id}
    assert all(len(r.key) == 64 and "ten-go-nham" not in r.key and "192.0.2" not in r.key for r in rows)
    assert hashlib.sha256(b"username:ten-go-nham").hexdigest() in {r.key for r in rows}


def test_a_busy_check_is_refused_and_audited_without_a_password_check(db_session, make_user):
    user = make_user(Role.CLERK)
    gate = PasswordCheckGate(1, wait_seconds=0.01, retry_after_seconds=7)
    with gate.slot():
        busy = sign_in(db_session, username=user.username, password=PASSWORD, gate=gate, now=NOW)
    assert busy.outcome is SignInOutcome.BUSY and busy.retry_at == NOW + timedelta(seconds=7)
    events = audit.events_for(db_session, object_type="user", object_id=user.id)
    assert events[-1].action == AuditAction.USER_SIGN_IN_BUSY
    assert sign_in(db_session, username=user.username, password=PASSWORD, gate=gate).outcome is SignInOutcome.OK


def test_every_refusal_is_audited(db_session, make_user):
    user = make_user(Role.CLERK)
    _fail(db_session, user.username, 6)
    actions = [e.action for e in audit.events_for(db_session, object_type="user", object_id=user.id)]
    assert actions == [AuditAction.USER_SIGN_IN_FAILED] * 5 + [AuditAction.USER_SIGN_IN_DELAYED]


def test_wrong_current_passwords_share_the_sign_in_count_and_sign_out_at_the_wait(db_session, make_user):
    user = make_user(Role.OFFICIAL)
    stamp = user.session_stamp
    answers = [record_password_change_failure(db_session, user=user, now=NOW) for _ in range(5)]
    assert answers[:4] == [None] * 4 and answers[4] == NOW + timedelta(seconds=30)
    assert user.session_stamp != stamp
    inside = sign_in(db_session, username=user.username, password=PASSWORD, now=NOW + timedelta(seconds=5))
    assert inside.outcome is SignInOutcome.DELAYED
