"""docflow's own daily renewal: inside `docflow run`, once a day at ``[archive] renew_at`` (the ward's clock), every
ward's due issued versions are renewed as a run that no user started (``started_by`` None), with its report kept
like any other run's. `docflow archive renew` from cron does the same by hand, as a named user.

A ward is due once its clock has passed ``renew_at`` today and no run (a dry run does not count) has started since
that moment: a restart after the hour catches up the same day, and a second process, or a second tick, finds the
run already there. The check and the run's first row are one transaction holding the ward's row lock, so two
processes at once start one run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings, local_date, parse_clock
from docflow.wards import acting_for
from docflow.models import Organisation, RenewalRun, utc_now
from docflow.services.jobs import Transaction
from docflow.services.jobs.loop import BackgroundLoop
from docflow.services.renewal.run import carry_out, open_run
from docflow.storage import DocumentStore

log = logging.getLogger(__name__)
POLL_SECONDS = 60


def due_since(settings: Settings, now: datetime) -> datetime | None:
    """The UTC moment today's scheduled run became due, or None when it is not yet time (or runs are off)."""
    clock = parse_clock(settings.archive.renew_at) if settings.archive.renew_at else None
    if clock is None:
        return None
    day = local_date(settings, now)
    since = datetime.combine(day, clock, settings.app.zone)
    return since.astimezone(now.tzinfo) if since <= now else None


def _claimed(session: Session, organisation_id: int, since: datetime) -> bool:
    """Whether the ward still needs today's run, under its row lock (the caller's transaction)."""
    session.execute(select(Organisation.id).where(Organisation.id == organisation_id).with_for_update())
    ran = session.execute(select(RenewalRun.id).where(
        RenewalRun.organisation_id == organisation_id, RenewalRun.dry_run.is_(False),
        RenewalRun.started_at >= since).limit(1)).first()
    return ran is None


def run_scheduled(*, transaction: Transaction, settings: Settings, store: DocumentStore,
                  now: datetime | None = None, renew: Callable[[bytes], bytes] | None = None) -> list[RenewalRun]:
    """Start today's run for every ward that is due; the runs made (none when it is not yet time)."""
    now = now or utc_now()
    since = due_since(settings, now)
    if since is None:
        return []
    with transaction() as session:
        wards = list(session.execute(select(Organisation.id).order_by(Organisation.id)).scalars())
    runs = [run_for_ward(ward, since=since, transaction=transaction, settings=settings, store=store, now=now,
                         renew=renew) for ward in wards]
    return [run for run in runs if run is not None]


def run_for_ward(ward: int, *, since: datetime, transaction: Transaction, settings: Settings, store: DocumentStore,
                 now: datetime, again: bool = False, renew: Callable[[bytes], bytes] | None = None) -> RenewalRun | None:
    """Today's run of ``ward``, unless one started since ``since`` (None then); ``again``: run even so (a
    job whose worker died mid-run: renewing is safe to repeat, what was renewed is no longer due)."""
    # The run acts for its ward (docflow.wards): its own CA stamps and checks its documents. The claim and the
    # run's row are one transaction; the renewals follow, each in its own.
    with acting_for(ward):
        with transaction() as session:
            if not _claimed(session, ward, since) and not again:
                return None
            opened = open_run(session, settings=settings, actor_id=None, organisation_id=ward, dry_run=False,
                              now=now)
        return carry_out(opened, transaction=transaction, settings=settings, store=store, renew=renew)


def wards_due(session: Session, *, since: datetime) -> list[int]:
    """The wards with no run started since ``since`` (a look, without the lock ``run_for_ward`` takes)."""
    ran = select(RenewalRun.organisation_id).where(RenewalRun.dry_run.is_(False), RenewalRun.started_at >= since)
    return list(session.execute(select(Organisation.id).where(Organisation.id.not_in(ran))
                                .order_by(Organisation.id)).scalars())


class RenewalScheduler(BackgroundLoop):
    """The daily run of the embedded default: a daemon thread that looks every ``poll_seconds`` whether a ward
    is due; an unexpected error is logged and the loop goes on (the next look tries again)."""

    def __init__(self, transaction: Transaction, *, settings: Settings, store: DocumentStore,
                 scope: Callable[[], AbstractContextManager[object]] = nullcontext,
                 poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__(name="docflow-renewal", poll_seconds=poll_seconds)
        self._transaction, self._settings, self._store, self._scope = transaction, settings, store, scope

    def round(self) -> list[RenewalRun]:
        with self._scope():
            runs = run_scheduled(transaction=self._transaction, settings=self._settings, store=self._store)
        for run in runs:
            log.info("renewal run %s: %s renewed, %s not due, %s failed", run.id, run.renewed, run.not_due,
                     run.failed)
        return runs
