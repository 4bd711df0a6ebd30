"""The renewal run: every issued version of the ward whose protection ends within the configured margin gets
a B-LTA renewal (validation data and a document timestamp) as a new version, and the run keeps a report.

Each document is renewed on its own: its bytes are read, renewed (the TSA and the revocation data are asked
outside any transaction), checked with ``check_renewal`` and stored under their SHA-256 first; only then does a
short transaction lock the document, confirm that the version renewed is still its latest, and add the
renewal version with its audit event. A crash leaves at most an unreferenced blob; two runs at once renew a
document once (the second finds the version it renewed no longer the latest). A run is idempotent: a renewed
version is not due again until its new timestamp's authority nears its own expiry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docflow import jobqueue, policy
from docflow.config import Settings
from docflow.errors import N_, ConflictError, DocflowError, NotFoundError, PermissionDeniedError
from docflow.models import Document, DocumentVersion, Job, RenewalRun, Signature, User, VersionKind, utc_now
from docflow.services import audit
from docflow.services import documents as doc_service
from docflow.services.audit import AuditAction
from docflow.services import jobs
from docflow.services.jobs import JobContext, JobWork, Transaction
from docflow.services.renewal.issued import issued_version_ids
from docflow.services.signatures.context import ORGANISATION_KINDS, signing_context
from docflow.services.signatures.reports import keep_report_if_signed, remember_outcome, verify_outcome
from docflow.signing.base import PadesLevel
from docflow.storage import BlobMissingError, DocumentStore

log = logging.getLogger(__name__)
RENEWED, DUE, NOT_DUE, FAILED = "renewed", "due", "not_due", "failed"
RENEWAL_JOB = "archive.renewal"
RENEWAL_RUN_JOB = "renewal.run"   # the job queue's kind: a renewal started by a clerk, run by a worker
MSG_CHANGED = N_("The document changed while it was being renewed; the next run looks at it again.")
MSG_UNEXPECTED = N_("An unexpected error stopped the renewal of this document; the next run tries it again.")
MSG_NOT_LATEST = N_("The issued version is not the document's latest version, so it is not renewed.")


@dataclass(frozen=True)
class Candidate:
    """The latest version of an issued document's chain (the issued version or its last renewal)."""
    document_id: int
    number_symbol: str | None
    version_id: int
    number: int
    sha256: str
    issued_latest: bool = True   # False: the latest version does not descend from the issued one (not renewed)


def renew_issued(*, transaction: Transaction, settings: Settings, store: DocumentStore, actor_id: int | None,
                 organisation_id: int | None = None, dry_run: bool = False, now: datetime | None = None,
                 renew: Callable[[bytes], bytes] | None = None) -> RenewalRun:
    """Renew every issued version of the actor's ward that is due, one transaction per document (``transaction``
    is the caller's boundary), and keep the run with its report. ``dry_run`` only says which are due.
    ``actor_id`` None is docflow's own scheduled run (``schedule``) of the ward ``organisation_id``.

    ``renew`` turns issued bytes into renewed bytes (default: ``renew_pdf`` with the configured TSA and
    revocation data). Raises PermissionDeniedError before anything is done; every other failure is one item
    of the report.
    """
    now = now or utc_now()
    with transaction() as session:
        opened = open_run(session, settings=settings, actor_id=actor_id, organisation_id=organisation_id,
                          dry_run=dry_run, now=now)
    return carry_out(opened, transaction=transaction, settings=settings, store=store, renew=renew)


@dataclass(frozen=True)
class OpenedRun:
    """A run whose row is stored, with the versions it will look at."""
    run_id: int
    actor_id: int | None
    dry_run: bool
    now: datetime
    margin_days: int
    candidates: list[Candidate]


def open_run(session: Session, *, settings: Settings, actor_id: int | None, organisation_id: int | None,
             dry_run: bool, now: datetime) -> OpenedRun:
    """Store the run's row (the actor's ward's, or ``organisation_id``'s for docflow's own run) and list its
    candidates. Raises PermissionDeniedError. Flushes."""
    if actor_id is None:
        if organisation_id is None:
            raise ValueError("docflow's own run names the ward it renews")
        ward = organisation_id
    else:
        actor = session.get(User, actor_id)
        if actor is None or not policy.may_renew_signatures(actor):
            raise PermissionDeniedError(policy.MAY_NOT)
        ward = actor.organisation_id
    margin = settings.archive.renew_days_before
    run = RenewalRun(organisation_id=ward, started_by_id=actor_id, started_at=now, dry_run=dry_run,
                     margin_days=margin, items=[])
    session.add(run)
    session.flush()
    return OpenedRun(run.id, actor_id, dry_run, now, margin, due_candidates(session, organisation_id=ward))


def carry_out(opened: OpenedRun, *, transaction: Transaction, settings: Settings, store: DocumentStore,
              renew: Callable[[bytes], bytes] | None = None) -> RenewalRun:
    """Renew the opened run's candidates, one transaction per document, and finish its report."""
    renew = renew or _default_renewer(settings)
    items = [_renew_one(transaction, settings, store, opened.actor_id, c, now=opened.now,
                        margin=timedelta(days=opened.margin_days), dry_run=opened.dry_run, renew=renew)
             for c in opened.candidates]
    with transaction() as session:
        return _finish(session, opened.run_id, items, now=utc_now())


def start_renewal(session: Session, *, settings: Settings, store: DocumentStore, actor: User,
                  dry_run: bool = False) -> tuple[Job, JobWork]:
    """Queue a renewal run as ``actor``'s job; returns the job and its work for a runner (the run's report is
    kept as a RenewalRun, whose id the job records). Raises PermissionDeniedError. Flushes."""
    if not policy.may_renew_signatures(actor):
        raise PermissionDeniedError(policy.MAY_NOT)
    job = jobs.create_job(session, actor=actor, kind=RENEWAL_JOB, total=0)
    return job, renewal_work(settings=settings, store=store, actor_id=actor.id, dry_run=dry_run)


def renewal_work(*, settings: Settings, store: DocumentStore, actor_id: int, dry_run: bool) -> JobWork:
    """The work of a renewal job started by ``actor_id``, for a runner (a thread, or a queue's worker)."""
    def work(context: JobContext) -> None:
        run = renew_issued(transaction=context.transaction, settings=settings, store=store, actor_id=actor_id,
                           dry_run=dry_run)
        context.record({"run_id": run.id, "renewed": run.renewed, "not_due": run.not_due, "failed": run.failed})
    return work


def queue_renewal(session: Session, *, job: Job, dry_run: bool) -> bool:
    """Hand the renewal job ``job`` to the job queue when a broker is configured (a worker runs it, and runs
    it again if its worker dies: renewing is safe to repeat); False without one (the caller's runner runs
    it). Flushes."""
    return jobqueue.enqueue(session, kind=RENEWAL_RUN_JOB, organisation_id=job.organisation_id,
                            payload={"job_id": job.id, "actor_id": job.created_by_id, "dry_run": dry_run}) is not None


def due_candidates(session: Session, *, organisation_id: int) -> list[Candidate]:
    """The latest version of every issued document of the ward that was not destroyed, in document order, each
    marked whether it is the issued version or a renewal of it. Reads only: three queries, whatever the count
    (the parents of renewals aside)."""
    sealed = select(Signature.document_id).where(Signature.kind.in_(ORGANISATION_KINDS))
    newest = select(DocumentVersion.document_id, func.max(DocumentVersion.number).label("number")).group_by(
        DocumentVersion.document_id).subquery()
    rows = session.execute(
        select(Document.id, Document.number_symbol, DocumentVersion)
        .join(newest, newest.c.document_id == Document.id)
        .join(DocumentVersion, (DocumentVersion.document_id == Document.id)
              & (DocumentVersion.number == newest.c.number))
        .where(Document.organisation_id == organisation_id, Document.id.in_(sealed), Document.destroyed_at.is_(None))
        .order_by(Document.id)).all()
    issued = issued_version_ids(session, [document_id for document_id, _, _ in rows])
    return [Candidate(document_id, number_symbol, latest.id, latest.number, latest.sha256,
                      issued_latest=latest.renewal_base.id in issued)
            for document_id, number_symbol, latest in rows]


def _default_renewer(settings: Settings) -> Callable[[bytes], bytes]:
    # pyHanko takes seconds to import: only a run that renews pays for it, not the CLI's start.
    from docflow.signing.renewal import renew_pdf

    def renew(data: bytes) -> bytes:
        return renew_pdf(data, signing_context(settings, PadesLevel.B_LTA))
    return renew


def _renew_one(transaction: Transaction, settings: Settings, store: DocumentStore, actor_id: int | None,
               candidate: Candidate, *, now: datetime, margin: timedelta, dry_run: bool,
               renew: Callable[[bytes], bytes]) -> dict[str, Any]:
    """One document's item of the report: renewed (with the new version), due (dry run), not due, or failed."""
    # pyHanko takes seconds to import: only a run pays for it, not the CLI's start.
    from docflow.signing.renewal import renewal_due_at
    item: dict[str, Any] = {"document_id": candidate.document_id, "number_symbol": candidate.number_symbol,
                            "version": candidate.number}
    try:
        if not candidate.issued_latest:
            raise ConflictError(MSG_NOT_LATEST)
        data = store.read(candidate.sha256)
        due = renewal_due_at(data)
        item["protected_until"] = due.isoformat() if due is not None else None
        if due is not None and due - now > margin:
            return {**item, "outcome": NOT_DUE}
        if dry_run:
            return {**item, "outcome": DUE}
        return {**item, **_renewed(transaction, settings, store, actor_id, candidate, data, now=now, renew=renew)}
    except DocflowError as exc:
        return {**item, "outcome": FAILED, "message": exc.message, "params": {k: str(v) for k, v in exc.params.items()}}
    except BlobMissingError:
        return {**item, "outcome": FAILED, "message": N_("The file of version %(n)s is missing from storage."),
                "params": {"n": str(candidate.number)}}
    except IntegrityError:
        return {**item, "outcome": FAILED, "message": MSG_CHANGED, "params": {}}
    except Exception:   # one document's failure (a busy database, a full disk) is its item, never the run's end
        log.exception("the renewal of document %s failed", candidate.document_id)
        return {**item, "outcome": FAILED, "message": MSG_UNEXPECTED, "params": {}}


def _renewed(transaction: Transaction, settings: Settings, store: DocumentStore, actor_id: int | None, candidate: Candidate,
             data: bytes, *, now: datetime, renew: Callable[[bytes], bytes]) -> dict[str, Any]:
    """Renew, check and store the bytes, then add the version (with its verification report kept)."""
    # pyHanko takes seconds to import: only a run pays for it, not the CLI's start.
    from docflow.signing.renewal import check_renewal
    renewed = renew(data)
    check = check_renewal(data, renewed)
    if not check.ok:
        problem = check.problems[0]
        return {"outcome": FAILED, "message": problem.message, "params": dict(problem.params)}
    sha256 = store.put_bytes(renewed)
    verdict = verify_outcome(settings, renewed)   # outside any transaction: pyHanko's work holds no lock
    with transaction() as session:
        remember_outcome(session, settings=settings, sha256=sha256, outcome=verdict)
        version = add_renewal(session, actor_id=actor_id, candidate=candidate, sha256=sha256, size=len(renewed),
                              timestamps=check.timestamps, now=now)
        keep_report_if_signed(session, settings=settings, store=store, version=version)
    return {"outcome": RENEWED, "new_version": version.number, "sha256": sha256}


def add_renewal(session: Session, *, actor_id: int | None, candidate: Candidate, sha256: str, size: int,
                timestamps: tuple[datetime, ...], now: datetime) -> DocumentVersion:
    """Add the stored renewal of ``candidate`` as the document's next version, under the document's row lock,
    and audit it (DOCUMENT_RENEWED). Raises ConflictError when the candidate is no longer the latest version
    (another run renewed it). Flushes."""
    document = doc_service.get_document(session, candidate.document_id, lock=True)
    session.refresh(document, attribute_names=["versions"])
    current = document.current_version
    if current is None or current.id != candidate.version_id:
        raise ConflictError(MSG_CHANGED)
    actor = session.get(User, actor_id) if actor_id is not None else None
    version = DocumentVersion(document=document, number=current.number + 1, parent_id=current.id, sha256=sha256,
                              size=size, page_count=current.page_count, original_filename=None,
                              active_content=current.active_content, note="", kind=VersionKind.RENEWAL,
                              created_at=now, created_by_id=actor_id)
    session.add(version)
    document.updated_at = now
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_RENEWED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"version": version.number, "sha256": sha256, "parent_sha256": current.sha256,
                          "renews_version": current.number, "level": PadesLevel.B_LTA.value,
                          "timestamps": [t.isoformat() for t in timestamps]})
    return version


def _finish(session: Session, run_id: int, items: list[dict[str, Any]], *, now: datetime) -> RenewalRun:
    run = session.get(RenewalRun, run_id)
    if run is None:
        raise NotFoundError(N_("No such renewal run."))
    run.items = items
    run.renewed = sum(1 for i in items if i["outcome"] in (RENEWED, DUE))
    run.not_due = sum(1 for i in items if i["outcome"] == NOT_DUE)
    run.failed = sum(1 for i in items if i["outcome"] == FAILED)
    run.finished_at = now
    session.flush()
    audit.record(session, action=AuditAction.RENEWAL_RUN, actor=run.started_by, object_type="renewal_run",
                 object_id=run.id, now=now,
                 details={"dry_run": run.dry_run, "renewed": run.renewed, "not_due": run.not_due,
                          "failed": run.failed, "margin_days": run.margin_days})
    return run
