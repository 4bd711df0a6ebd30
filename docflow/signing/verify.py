"""Verify every signature in a PDF and say, per signature and for the document, why it is (not) valid.

Verification is not an error (STYLE.md §5): ``verify_pdf`` returns a frozen ``VerificationResult``; only
input that cannot be read at all raises ``UnreadablePdfError``. pyHanko does the cryptography, the
chain building (by signature, so look-alike CAs with identical names fail) and the difference analysis
of later revisions; validation.py adds the checks pyHanko leaves to the caller (the exact ByteRange
shape, bytes after the last %%EOF, key usage, weak algorithms, expiry judged at the timestamp time) and
reports.py turns everything into the stable problem codes of results.py.

The time limit: the whole parse-and-validate runs in one daemon worker thread that the caller waits for
with a timeout, so ``verify_pdf`` always returns or raises within the limit even if pyHanko is stuck
inside one signature. Python cannot kill a thread, so the worker also checks the deadline between
signatures and gives up on its own; a process pool would stop it for certain but costs a fork and
pickling on every call, which the performance budget (≤ plain pyHanko) does not allow.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Generic, TypeVar

from docflow.errors import UnreadablePdfError
from docflow.signing import pdfsafety
from docflow.signing.results import (
    MESSAGES,
    MSG_ENCRYPTED,
    MSG_TOO_SLOW,
    Coverage,
    ModificationLevel,
    Problem,
    ProblemCode,
    RevocationSource,
    SignatureReport,
    VerificationResult,
    Verdict,
    message_vi,
    translate,
)
from docflow.signing.trust import TrustSettings

log = logging.getLogger(__name__)

T = TypeVar("T")


def verify_pdf(data: bytes, trust: TrustSettings, *, now: datetime | None = None) -> VerificationResult:
    """Check every signature and document timestamp in ``data`` against ``trust``.

    ``now`` is the validation time (default: the current time). Raises UnreadablePdfError when the
    input is not a readable, unencrypted PDF or checking it exceeds ``trust.time_limit_seconds``;
    every other finding is in the result.
    """
    pdfsafety.check_readable(data)
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    deadline = time.monotonic() + trust.time_limit_seconds
    worker = _Worker(lambda: asyncio.run(_verify(data, trust, now, deadline)))
    sha256 = hashlib.sha256(data).hexdigest()  # hashlib releases the GIL: runs beside the worker
    if not worker.finished_by(deadline):
        raise UnreadablePdfError(MSG_TOO_SLOW, seconds=f"{trust.time_limit_seconds:g}")
    return dataclasses.replace(_result_of(worker), sha256=sha256)


class _Worker(Generic[T]):
    """Runs ``job`` in a daemon thread at once; the caller waits for it only until a deadline.

    An abandoned worker (Python cannot stop a thread) runs on until it gives up by itself, and being a
    daemon never keeps the process alive.
    """

    def __init__(self, job: Callable[[], T]) -> None:
        self._job = job
        self._outcome: list[T | BaseException] = []
        self._thread = threading.Thread(target=self._run, name="docflow-verify", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._outcome.append(self._job())
        except BaseException as exc:  # handed to the waiting caller, never lost in the thread
            self._outcome.append(exc)

    def finished_by(self, deadline: float) -> bool:
        """Wait until the job is done or ``deadline`` (a ``time.monotonic()`` value) has passed."""
        self._thread.join(max(0.0, deadline - time.monotonic()))
        return bool(self._outcome)

    def outcome(self) -> T | BaseException:
        """What the finished job returned or raised."""
        return self._outcome[0]


def _result_of(worker: _Worker[VerificationResult]) -> VerificationResult:
    """The finished worker's result; what it raised becomes the caller's UnreadablePdfError."""
    result = worker.outcome()
    if isinstance(result, UnreadablePdfError):
        raise result
    if isinstance(result, Exception):
        # pyHanko raises many kinds of errors on hostile input; the caller gets one answer.
        log.info("unreadable PDF: %s: %s", type(result).__name__, result)
        raise UnreadablePdfError(pdfsafety.MSG_DAMAGED) from result
    if isinstance(result, BaseException):
        raise result
    return result


async def _verify(data: bytes, trust: TrustSettings, now: datetime | None,
                  deadline: float) -> VerificationResult:
    """Parse once and check every signature (runs in the worker thread).

    Raises UnreadablePdfError, also once ``deadline`` has passed between two signatures.
    """
    # pyHanko loads with the first check, not with this module: the CLI and the offline verifier start fast
    from docflow.signing import validation

    return await validation.check_document(data, trust, now, deadline)


__all__ = [
    "MESSAGES", "MSG_ENCRYPTED", "MSG_TOO_SLOW", "Coverage", "ModificationLevel", "Problem", "ProblemCode",
    "RevocationSource", "SignatureReport", "TrustSettings", "Verdict", "VerificationResult", "message_vi",
    "translate", "verify_pdf",
]
