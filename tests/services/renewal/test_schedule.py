"""R52 (preservation over time): docflow renews the issued versions on its own, once a day at [archive] renew_at
on the ward's clock, as a run no user started, with its report kept like a manual run's; a second look the same
day, a dry run, or the hour not yet come starts nothing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from docflow.config import local_midnight
from docflow.models import AuditEvent, RenewalRun, utc_now
from docflow.services import renewal
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture
from tests.services.renewal.helpers import issued_short, savepoint

pytestmark = pytest.mark.usefixtures("app_ctx")


def _at(settings, renew_at: str):
    return dataclasses.replace(settings, archive=dataclasses.replace(settings.archive, renew_at=renew_at))


def _today_at(settings, hours: int, minutes: int = 0) -> datetime:
    """Today's local HH:MM on the ward's clock, as a UTC instant."""
    midnight = local_midnight(utc_now().astimezone(settings.app.zone).date(), settings.app.zone)
    return (midnight + timedelta(hours=hours, minutes=minutes)).astimezone(UTC)


def _tick(db_session, settings, store, now):
    return renewal.run_scheduled(transaction=savepoint(db_session), settings=settings, store=store, now=now)


def test_R52_docflow_renews_a_due_version_itself_once_the_hour_has_come(db_session, signing_settings, store,
                                                                        ward, make_user):
    settings = _at(signing_settings, "02:30")
    document = issued_short(db_session, settings, store, ward, make_user)
    issued = document.current_version

    assert _tick(db_session, settings, store, _today_at(settings, 2, 29)) == []
    [run] = _tick(db_session, settings, store, _today_at(settings, 2, 31))

    db_session.refresh(document)
    renewed = document.current_version
    assert (run.renewed, run.failed, run.started_by_id, run.organisation_id) == (1, 0, None,
                                                                                 ward.clerk.organisation_id)
    assert renewed.is_renewal and renewed.parent_id == issued.id
    assert renewed.created_by_id is None and renewed.author_name == "docflow"
    renewed_event = db_session.execute(select(AuditEvent).where(
        AuditEvent.action == "document.renewed", AuditEvent.object_id == str(document.id))).scalar_one()
    run_event = db_session.execute(select(AuditEvent).where(
        AuditEvent.action == "archive.renewal_run", AuditEvent.object_id == str(run.id))).scalar_one()
    assert renewed_event.actor_id is None and run_event.actor_id is None
    assert renewed_event.details["sha256"] == renewed.sha256


def test_a_second_look_the_same_day_starts_nothing_and_the_next_day_starts_again(db_session, signing_settings,
                                                                                store, ward, make_user):
    settings = _at(signing_settings, "02:30")
    issued_short(db_session, settings, store, ward, make_user)
    first = _tick(db_session, settings, store, _today_at(settings, 3))

    again = _tick(db_session, settings, store, _today_at(settings, 23, 59))
    tomorrow = _tick(db_session, settings, store, _today_at(settings, 24 + 2, 30))

    assert len(first) == 1 and again == []
    [next_day] = tomorrow
    assert (next_day.renewed, next_day.not_due) == (0, 1)


def test_a_dry_run_by_hand_does_not_stand_for_the_daily_run(db_session, signing_settings, store, ward,
                                                            make_user):
    settings = _at(signing_settings, "01:00")
    issued_short(db_session, settings, store, ward, make_user)
    renewal.renew_issued(transaction=savepoint(db_session), settings=settings, store=store,
                         actor_id=ward.clerk.id, dry_run=True, now=_today_at(settings, 1, 5))

    [run] = _tick(db_session, settings, store, _today_at(settings, 1, 10))

    assert not run.dry_run and run.renewed == 1
    runs = db_session.execute(select(RenewalRun).order_by(RenewalRun.id)).scalars().all()
    assert [(r.dry_run, r.started_by_id) for r in runs[-2:]] == [(True, ward.clerk.id), (False, None)]


def test_no_daily_run_when_renew_at_is_empty(db_session, signing_settings, store, ward, make_user):
    settings = _at(signing_settings, "")
    issued_short(db_session, settings, store, ward, make_user)

    assert renewal.due_since(settings, _today_at(settings, 23, 59)) is None
    assert _tick(db_session, settings, store, _today_at(settings, 23, 59)) == []
