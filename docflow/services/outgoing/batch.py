"""Batch signing: a leader signs many documents awaiting their signature with one PIN entry, the key
opened once, one transaction and one result per document."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_, DocflowError, InvalidTransitionError, PermissionDeniedError
from docflow.models import User
from docflow.models.routing import StepKind
from docflow.services import signing as signing_service
from docflow.services.outgoing.base import get_outgoing
from docflow.services.outgoing.route import active_step, sign_step
from docflow.signing.base import SignatureKind
from docflow.storage import DocumentStore


@dataclass(frozen=True)
class BatchResult:
    document_id: int
    summary: str
    ok: bool
    message: str = ""                      # an English msgid when not ok
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class BatchProgress:
    """What a running batch has done so far; read by the polling page while the batch runs."""
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


def sign_batch(*, transaction: Callable[[], AbstractContextManager[Session]], settings: Settings,
               store: DocumentStore, actor_id: int, documents: Sequence[tuple[int, int | None]], pin: str,
               progress: BatchProgress) -> None:
    """Sign each listed document's open signature step (``(document_id, version the signer saw)``) with the
    signer's key opened once, one transaction per document (``transaction`` is the caller's boundary), and
    record one result per document in ``progress``. A wrong PIN stops the batch before the first document.
    """
    try:
        with ExitStack() as stack:
            with transaction() as session:
                actor = session.get(User, actor_id)
                if actor is None:
                    raise PermissionDeniedError(N_("You do not have access to this page."))
                opened = stack.enter_context(signing_service.open_key(
                    session, settings=settings, actor=actor, kind=SignatureKind.PERSONAL, pin=pin))
            for document_id, version in documents:
                progress.add(_sign_one(transaction, settings, store, actor_id, document_id, version, opened))
    except DocflowError as exc:
        progress.error = (exc.message, dict(exc.params))
    finally:
        progress.done = True


def _sign_one(transaction: Callable[[], AbstractContextManager[Session]], settings: Settings, store: DocumentStore,
              actor_id: int, document_id: int, version: int | None, opened: signing_service.OpenedKey) -> BatchResult:
    summary = ""
    try:
        with transaction() as session:
            actor = session.get(User, actor_id)
            if actor is None:
                raise PermissionDeniedError(N_("You do not have access to this page."))
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
