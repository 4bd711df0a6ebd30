"""The ward's organ identifier (issue 15: `docflow init --organ-id`, or the configuration) and the rate limits
kept in the database for callers without an account."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from docflow.errors import RateLimitedError, ValidationError
from docflow.models import AuditEvent, RateLimit
from docflow.services import ratelimit
from docflow.services.people import organisation as organisations

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", ["", "H41", "000.00.00.h41", "000.00.00.H41 x", "000-00-00-H41", "0000.00.00.H41"])
def test_an_organ_identifier_must_read_like_000_00_00_H41(db_session, org, value):
    with pytest.raises(ValidationError):
        organisations.set_organ_id(db_session, org=org, organ_id=value, now=NOW)
    assert org.organ_id == ""


def test_the_recorded_organ_identifier_wins_over_the_configuration_and_is_audited(db_session, org, app):
    settings = app.extensions["docflow.settings"]
    configured = dataclasses.replace(settings, app=dataclasses.replace(settings.app, organ_id="000.00.00.H41"))
    assert organisations.organ_id_of(org, configured) == "000.00.00.H41"
    organisations.set_organ_id(db_session, org=org, organ_id=" 000.12.31.H27 ", now=NOW)
    assert organisations.organ_id_of(org, configured) == "000.12.31.H27"
    events = db_session.execute(select(AuditEvent).where(AuditEvent.action == "organisation.organ_id_set")).scalars()
    assert [e.details["to"] for e in events] == ["000.12.31.H27"]


def test_a_caller_over_the_limit_is_refused_with_the_wait_and_the_window_then_resets(db_session, org):
    take = dict(organisation_id=org.id, bucket="public.verify", caller="203.0.113.7", limit=3,
                per=timedelta(minutes=1))
    for second in range(3):
        ratelimit.take(db_session, now=NOW + timedelta(seconds=second), **take)
    with pytest.raises(RateLimitedError) as refused:
        ratelimit.take(db_session, now=NOW + timedelta(seconds=10), **take)
    assert refused.value.retry_after == 51
    # another caller and another purpose count apart
    ratelimit.take(db_session, now=NOW, **{**take, "caller": "203.0.113.8"})
    ratelimit.take(db_session, now=NOW, **{**take, "bucket": "public.track"})
    ratelimit.take(db_session, now=NOW + timedelta(minutes=1), **take)
    rows = db_session.execute(select(RateLimit).where(RateLimit.organisation_id == org.id)).scalars().all()
    assert len(rows) == 3
    assert all("203.0.113" not in row.key for row in rows)     # only digests are kept


def test_counts_older_than_a_day_are_purged_and_the_current_ones_kept(db_session, org):
    take = dict(organisation_id=org.id, bucket="public.verify", limit=3, per=timedelta(minutes=10))
    ratelimit.take(db_session, caller="203.0.113.1", now=NOW - timedelta(days=2), **take)
    ratelimit.take(db_session, caller="203.0.113.2", now=NOW - timedelta(minutes=5), **take)
    assert ratelimit.purge(db_session, now=NOW) == 1
    [kept] = db_session.execute(select(RateLimit).where(RateLimit.organisation_id == org.id)).scalars().all()
    assert kept.window_start == NOW - timedelta(minutes=5)
