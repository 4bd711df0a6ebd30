"""What a `docflow worker` does for each kind of queued job, and what its tick enqueues.

Each handler is idempotent: it reads what is already done before doing anything (OCR and the outbox claim
their pages and items by conditional UPDATE; a renewal finds renewed versions no longer due; mail resumes after
the notices ``progress`` counts as sent), so a message delivered again after a worker died does not do the
work twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete

from docflow import jobqueue, mail
from docflow.config import Settings
from docflow.models import Job, QueuedJob, QueuedJobStatus, utc_now
from docflow.services import renewal
from docflow.services.exchange import outbox
from docflow.services.exchange.partners import DIRECTORY
from docflow.services.exchange.sender import send_due
from docflow.services.jobs.queued import Claimed, handler, stale_after, stalled
from docflow.services.jobs.runner import Transaction, run_job
from docflow.services.textindex.tasks import OCR_JOB, ward_with_claimable
from docflow.services.textindex.worker import run_pending

log = logging.getLogger(__name__)
RENEWAL_JOB = "renewal.daily"
KEEP_DONE = timedelta(days=7)       # done jobs are deleted after this; failed ones stay until looked at


class MailNotAccepted(Exception):
    """The mail server did not take a message (down, or it refused it): the job is tried again later."""


@handler(mail.MAIL_JOB)
def send_mail(job: Claimed) -> None:
    """E-mail the job's notices one by one, from the first one not yet recorded as sent."""
    settings = job.settings
    notices = [mail.notice_from_json(n) for n in job.payload.get("notices", [])]
    for index in range(job.progress, len(notices)):
        message = mail.render(notices[index], default_locale=settings.app.default_locale,
                              organisation=settings.app.organisation_name)
        if mail.send(settings.mail, [message]) != 1:
            raise MailNotAccepted(f"notice {index + 1} of {len(notices)} was not accepted")
        job.record_progress(index + 1, len(notices))


@handler(OCR_JOB)
def read_pages(job: Claimed) -> None:
    """Read the pages waiting for OCR (of any ward: each page is claimed, so two workers never read one)."""
    if job.settings.ocr.enabled:
        done = run_pending(job.transaction, store=job.store, settings=job.settings.ocr)
        job.record_progress(done, done)


@handler(outbox.SEND_JOB)
def deliver_outbox(job: Claimed) -> None:
    """Deliver what the outbox has due (each item claimed, so two workers never send one)."""
    if job.settings.exchange.send_in_background:
        sent = send_due(job.transaction, settings=job.settings.exchange, directory=DIRECTORY)
        job.record_progress(len(sent), len(sent))


@handler(RENEWAL_JOB)
def renew_ward(job: Claimed) -> None:
    """Today's long-term renewal of the job's ward (once: a second delivery finds the run started, unless the
    first one's worker died, when the run is made again: renewing is safe to repeat)."""
    since = datetime.fromisoformat(str(job.payload["since"]))
    run = renewal.run_for_ward(job.organisation_id, since=since, transaction=job.transaction,
                               settings=job.settings, store=job.store, now=utc_now(), again=job.redelivered)
    if run is not None:
        log.info("renewal run %s: %s renewed, %s not due, %s failed", run.id, run.renewed, run.not_due, run.failed)
        job.record_progress(run.renewed, run.renewed + run.not_due + run.failed)


@handler(renewal.RENEWAL_RUN_JOB)
def renew_for_clerk(job: Claimed) -> None:
    """A renewal a clerk started (its progress on the ``jobs`` row the renewals page shows); nothing when that
    row is finished already (a message delivered again)."""
    payload = job.payload
    with job.transaction() as session:
        row = session.get(Job, str(payload["job_id"]))
        if row is None or row.finished:
            return
    work = renewal.renewal_work(settings=job.settings, store=job.store, actor_id=int(payload["actor_id"]),
                                dry_run=bool(payload["dry_run"]))
    run_job(str(payload["job_id"]), work, transaction=job.transaction)


def enqueue_due(transaction: Transaction, *, settings: Settings, now: datetime | None = None) -> list[str]:
    """The worker's tick: enqueue the periodic work that is due (the OCR sweep, the outbox, the daily renewal
    of each ward), each once per tick whichever worker ticks (a key per tick), and prune old done jobs.
    Returns the ids of queued jobs whose message was lost, for the caller to send again."""
    now = now or utc_now()
    tick = int(now.timestamp()) // settings.queue.tick_seconds
    with transaction() as session:
        if settings.ocr.enabled:
            ward = ward_with_claimable(session, stale_after=timedelta(minutes=settings.ocr.stale_minutes),
                                       max_attempts=settings.ocr.max_attempts, now=now)
            if ward is not None:
                jobqueue.enqueue(session, kind=OCR_JOB, organisation_id=ward, key=f"{OCR_JOB}:{tick}",
                                 settings=settings, now=now)
        if settings.exchange.send_in_background:
            ward = outbox.ward_with_due(session, settings=settings.exchange, now=now)
            if ward is not None:
                jobqueue.enqueue(session, kind=outbox.SEND_JOB, organisation_id=ward,
                                 key=f"{outbox.SEND_JOB}:{tick}", settings=settings, now=now)
        since = renewal.due_since(settings, now)
        if since is not None:
            for ward in renewal.wards_due(session, since=since):
                jobqueue.enqueue(session, kind=RENEWAL_JOB, organisation_id=ward,
                                 payload={"since": since.isoformat()}, key=f"{RENEWAL_JOB}:{ward}:{since.isoformat()}",
                                 settings=settings, now=now)
        session.execute(delete(QueuedJob).where(QueuedJob.status == QueuedJobStatus.DONE,
                                                QueuedJob.finished_at < now - KEEP_DONE)
                        .execution_options(synchronize_session=False))
        lost = max(2 * settings.queue.retry_max_seconds, 600)
        return stalled(session, older_than=timedelta(seconds=lost), stale=stale_after(settings),
                       never_tried=timedelta(seconds=max(2 * settings.queue.tick_seconds, 60)), now=now)

