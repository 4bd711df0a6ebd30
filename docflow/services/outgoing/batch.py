"""Batch signing: a leader signs many documents awaiting their signature with one PIN entry, the key
opened once, one transaction and one result per document.

Run as a job (``start_batch``): the request that starts the batch opens the key with the PIN and drops
the PIN; the runner gets only the opened key, and the job's row carries the progress any app process
shows. ``sign_batch`` runs the same batch synchronously, its progress in memory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_, DocflowError, InvalidTransitionError, PermissionDeniedError
from docflow.models import Job, User
from docflow.models.routing import StepKind
from docflow.services import jobs
from docflow.services import signatures as signing_service
from docflow.services.jobs import JobContext, JobWork, Transaction
from docflow.services.outgoing.base import get_outgoing
from docflow.services.outgoing.route import active_step, sign_step
from docflow.signing.base import SignatureKind
from docflow.storage import DocumentStore

BATCH_JOB = "outgoing.sign_batch"
NO_ACCESS = N_("You do not have access to this page.")
Choices = Sequence[tuple[int, int | None]]   # (document_id, the version the signer saw)


@dataclass(frozen=True)
class BatchResult:
    document_id: int
    summary: str
    ok: bool
    message: str = ""                      # an English msgid when not ok
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"document_id": self.document_id, "summary": self.summary, "ok": self.ok,
                "message": self.message, "params": jobs.json_params(self.params)}

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> BatchResult:
        return cls(document_id=int(item["document_id"]), summary=str(item["summary"]), ok=bool(item["ok"]),
                   message=str(item["message"]), params=dict(item["params"]))


@dataclass
class BatchProgress:
    """What a batch run by ``sign_batch`` has done so far, in memory."""
    user_id: int
    total: int
    results: list[BatchResult] = field(default_factory=list)
    error: tuple[str, dict[str, Any]] | None = None
    done: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, result: BatchResult) -> None:
        with self._lock:
            self.results.append(result)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"total": self.total, "done": self.done, "signed": sum(r.ok for r in self.results),
                    "results": list(self.results), "error": self.error}


def sign_batch(*, transaction: Transaction, settings: Settings, store: DocumentStore, actor_id: int,
               documents: Choices, pin: str, progress: BatchProgress) -> None:
    """Sign each listed document's open signature step with the signer's key opened once, one transaction
    per document (``transaction`` is the caller's boundary), and record one result per document in
    ``progress``. A wrong PIN stops the batch before the first document.
    """
    try:
        with ExitStack() as stack:
            with transaction() as session:
                actor = session.get(User, actor_id)
                if actor is None:
                    raise PermissionDeniedError(NO_ACCESS)
                opened = stack.enter_context(signing_service.open_key(
                    session, settings=settings, actor=actor, kind=SignatureKind.PERSONAL, pin=pin))
            sign_documents(transaction, settings=settings, store=store, actor_id=actor_id, documents=documents,
                           opened=opened, record=progress.add)
    except DocflowError as exc:
        progress.error = (exc.message, dict(exc.params))
    finally:
        progress.done = True


def start_batch(session: Session, *, settings: Settings, store: DocumentStore, actor: User, documents: Choices,
                pin: str, now: datetime | None = None) -> tuple[Job, JobWork]:
    """Open ``actor``'s key with ``pin`` (checked here, then dropped) and queue the batch's job; returns the
    job and its work for a runner. The work holds the opened key, never the PIN, and closes the key when
    it ends.

    Raises what opening the key raises (WrongPinError, KeyLockedError, CertificateError, ...); the caller
    then records the refusal with ``refused_batch``. Flushes.
    """
    actor_id, chosen = actor.id, list(documents)
    with ExitStack() as stack:
        opened = stack.enter_context(signing_service.open_key(
            session, settings=settings, actor=actor, kind=SignatureKind.PERSONAL, pin=pin, now=now))
        job = jobs.create_job(session, actor=actor, kind=BATCH_JOB, total=len(chosen), now=now)
        key = stack.pop_all()

    def work(context: JobContext) -> None:
        with key:
            sign_documents(context.transaction, settings=settings, store=store, actor_id=actor_id,
                           documents=chosen, opened=opened, record=lambda r: context.record(r.to_json()))
    return job, work


def refused_batch(session: Session, *, actor: User, total: int, error: DocflowError,
                  now: datetime | None = None) -> Job:
    """The job of a batch whose key did not open: failed at once, its page saying why. Flushes."""
    return jobs.create_refused_job(session, actor=actor, kind=BATCH_JOB, total=total, error=error, now=now)


def batch_job_for(session: Session, *, actor: User, job_id: str) -> Job:
    """``actor``'s batch ``job_id``. Raises NotFoundError for anyone else's."""
    return jobs.job_for(session, actor=actor, job_id=job_id, kind=BATCH_JOB)


def batch_state(job: Job) -> dict[str, Any]:
    """A batch job's progress, shaped as ``BatchProgress.snapshot``: what the progress page shows."""
    results = [BatchResult.from_json(item) for item in job.result.get(jobs.ITEMS, [])]
    error = (str(job.error["message"]), dict(job.error["params"])) if job.error else None
    return {"total": job.total, "done": job.finished, "signed": sum(r.ok for r in results), "results": results,
            "error": error}


def sign_documents(transaction: Transaction, *, settings: Settings, store: DocumentStore, actor_id: int,
                   documents: Choices, opened: signing_service.OpenedKey,
                   record: Callable[[BatchResult], None]) -> None:
    """Sign each document with the opened key, each in its own transaction; ``record`` each result."""
    for document_id, version in documents:
        record(_sign_one(transaction, settings, store, actor_id, document_id, version, opened))


def _sign_one(transaction: Transaction, settings: Settings, store: DocumentStore, actor_id: int, document_id: int,
              version: int | None, opened: signing_service.OpenedKey) -> BatchResult:
    summary = ""
    try:
        with transaction() as session:
            actor = session.get(User, actor_id)
            if actor is None:
                raise PermissionDeniedError(NO_ACCESS)
            document = get_outgoing(session, actor=actor, document_id=document_id)
            summary = document.summary
            step = active_step(session, document_id)
            if step is None or step.kind is not StepKind.SIGN:
                raise InvalidTransitionError(N_("This document is not awaiting your signature any more."))
            sign_step(session, actor=actor, settings=settings, store=store, document_id=document_id,
                      step_id=step.id, pin="", expected_version=version, opened=opened)
    except DocflowError as exc:
        return BatchResult(document_id, summary, False, exc.message, dict(exc.params))
    return BatchResult(document_id, summary, True)
