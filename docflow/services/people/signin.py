"""Sign-in: password check, growing waits after repeated failures, a ceiling on failures per address, a cap
on password checks running at once, and the audit of every attempt."""

from __future__ import annotations

import enum
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import SecuritySettings
from docflow.models import LoginThrottle, Organisation, ThrottleKind, User, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.people.organisation import first_ward
from docflow.services.ratelimit import address_key
from docflow.services.people.users import find_user_by_username, hash_password, password_matches

# Verifying against a fixed hash when the username is unknown keeps the response time the same,
# so timing does not reveal which usernames exist.
_DUMMY_HASH = hash_password("docflow-dummy-password-for-timing")
# Failures older than this are forgotten: a few mistypes a month never add up to a wait.
_FORGET_AFTER = timedelta(hours=24)


class SignInOutcome(enum.StrEnum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    DELAYED = "delayed"            # the username must wait before its next attempt is checked
    ADDRESS_LIMITED = "address_limited"  # too many failures from this address in the window
    BUSY = "busy"                  # every password-check slot of this process is taken


@dataclass(frozen=True)
class SignInResult:
    outcome: SignInOutcome
    user: User | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True)
class SignInPolicy:
    """How failures slow sign-in down; the defaults are those of ``[security]`` in the configuration."""
    free_failures: int = 5
    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(minutes=10)
    address_max_failures: int = 30
    address_window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, security: SecuritySettings) -> SignInPolicy:
        return cls(free_failures=security.login_free_failures,
                   first_delay=timedelta(seconds=security.login_first_delay_seconds),
                   max_delay=timedelta(minutes=security.login_max_delay_minutes),
                   address_max_failures=security.login_address_max_failures,
                   address_window=timedelta(minutes=security.login_address_window_minutes))

    def wait_after(self, failures: int) -> timedelta | None:
        """The wait before the next attempt after ``failures`` failures in a row: none for the first few,
        then ``first_delay`` doubling at each further failure, never more than ``max_delay``."""
        if failures < self.free_failures:
            return None
        doublings = min(failures - self.free_failures, 32)
        return min(self.first_delay * 2 ** doublings, self.max_delay)


class PasswordCheckGate:
    """At most ``slots`` argon2 checks at once in this process (each costs a core and 64 MiB for tens of
    milliseconds); the rest are turned away after ``wait_seconds`` instead of queueing without end.
    Per process: several app processes each have their own."""

    def __init__(self, slots: int, *, wait_seconds: float = 1.0, retry_after_seconds: int = 5) -> None:
        self._semaphore = threading.BoundedSemaphore(slots)
        self.wait_seconds = wait_seconds
        self.retry_after_seconds = retry_after_seconds

    @contextmanager
    def slot(self) -> Iterator[bool]:
        """Yield True holding a slot, or False when none freed up in time."""
        acquired = self._semaphore.acquire(timeout=self.wait_seconds)
        try:
            yield acquired
        finally:
            if acquired:
                self._semaphore.release()


def sign_in(session: Session, *, username: str, password: str, policy: SignInPolicy | None = None,
            gate: PasswordCheckGate | None = None, remote_addr: str = "", device: str | None = None,
            now: datetime | None = None) -> SignInResult:
    """Check credentials unless a wait or the address's ceiling forbids it, and audit the attempt, whatever
    its outcome. Flushes; the caller commits whatever the outcome, so failures are recorded too. An
    unknown username and an inactive user get the same answers as a wrong password.

    ``device``: the token of a browser that signed in as ``username`` before (a signed cookie the web sets).
    Its attempts wait on their own count, not on the username's: someone guessing elsewhere cannot keep the
    owner out of the browser they always use, and guesses made in that browser still wait."""
    policy = policy or SignInPolicy()
    now = now or utc_now()
    throttled = throttle_key(username, device)
    # The slot is taken before the first query: a sign-in waiting for one holds no database connection.
    with gate.slot() if gate else _always_slot() as free:
        if not free:
            retry_at = now + timedelta(seconds=gate.retry_after_seconds if gate else 1)
            return _refuse(session, SignInResult(SignInOutcome.BUSY, retry_at=retry_at),
                           user=find_user_by_username(session, username), remote_addr=remote_addr, now=now)
        user = find_user_by_username(session, username)
        # The user's own ward counts the attempts; a name no ward knows is counted in the first ward.
        organisation = user.organisation if user is not None else first_ward(session)
        refusal = _refusal(session, organisation, throttled, remote_addr, now) if organisation else None
        if refusal is not None:
            return _refuse(session, refusal, user=user, remote_addr=remote_addr, now=now)
        valid = password_matches(user.password_hash if user else _DUMMY_HASH, password)
    # Every attempt writes to the audit chain anyway; taking its lock first serialises attempts, so
    # parallel guesses cannot overwrite each other's failure count (a lost update on PostgreSQL).
    audit.lock_chain(session)
    if user is not None and valid and user.is_active:
        if organisation is not None:
            _clear(session, organisation, ThrottleKind.USERNAME, throttled)
        audit.record(session, action=AuditAction.USER_SIGNED_IN, actor=user, object_type="user",
                     object_id=user.id, details={"remote_addr": remote_addr}, now=now)
        return SignInResult(SignInOutcome.OK, user=user)
    return _fail(session, organisation, policy, user=user, username=throttled,
                 reason="inactive" if (user is not None and valid) else "bad_credentials",
                 remote_addr=remote_addr, now=now)


@contextmanager
def _always_slot() -> Iterator[bool]:
    yield True


def _refusal(session: Session, organisation: Organisation, username: str, remote_addr: str,
             now: datetime) -> SignInResult | None:
    """A refusal decided before any password check: the username's wait, or the address's ceiling."""
    for kind, value, outcome in ((ThrottleKind.USERNAME, username, SignInOutcome.DELAYED),
                                 (ThrottleKind.ADDRESS, remote_addr, SignInOutcome.ADDRESS_LIMITED)):
        if not value:
            continue
        row = _throttle(session, organisation, kind, value, lock=False)
        if row is not None and row.next_attempt_at is not None and row.next_attempt_at > now:
            return SignInResult(outcome, retry_at=row.next_attempt_at)
    return None


def _refuse(session: Session, result: SignInResult, *, user: User | None, remote_addr: str,
            now: datetime) -> SignInResult:
    action = {SignInOutcome.DELAYED: AuditAction.USER_SIGN_IN_DELAYED,
              SignInOutcome.ADDRESS_LIMITED: AuditAction.USER_SIGN_IN_ADDRESS_LIMITED,
              SignInOutcome.BUSY: AuditAction.USER_SIGN_IN_BUSY}[result.outcome]
    audit.record(session, action=action, actor=None, object_type="user",
                 object_id=user.id if user else "unknown",
                 details={"remote_addr": remote_addr, "retry_at": result.retry_at.isoformat()
                          if result.retry_at else None}, now=now)
    return result


def _fail(session: Session, organisation: Organisation | None, policy: SignInPolicy, *, user: User | None,
          username: str, reason: str, remote_addr: str, now: datetime) -> SignInResult:
    """Count a checked, failed attempt against the username and the address, and audit it."""
    failures, result = 0, SignInResult(SignInOutcome.BAD_CREDENTIALS)
    if organisation is not None:
        failures, retry_at = count_failure(session, organisation, username, policy=policy, now=now)
        if retry_at is not None:
            result = SignInResult(SignInOutcome.DELAYED, retry_at=retry_at)
        if remote_addr:
            _count_address_failure(session, organisation, remote_addr, policy=policy, now=now)
    # The typed name is not recorded for unknown users: people type their password there by mistake.
    audit.record(session, action=AuditAction.USER_SIGN_IN_FAILED, actor=None, object_type="user",
                 object_id=user.id if user else "unknown",
                 details={"reason": reason, "failures": failures, "remote_addr": remote_addr}, now=now)
    return result


def count_failure(session: Session, organisation: Organisation, username: str, *, policy: SignInPolicy,
                  now: datetime) -> tuple[int, datetime | None]:
    """Add one failure for ``username`` (the caller holds the chain lock). Returns the failures in a row
    and, once past the free ones, the time before which no further attempt is checked. Flushes."""
    row = _throttle(session, organisation, ThrottleKind.USERNAME, username, lock=True)
    if row is None:
        row = _new_throttle(session, organisation, ThrottleKind.USERNAME, username, now)
    elif row.last_failed_at < now - _FORGET_AFTER:
        row.failures, row.first_failed_at = 0, now
    row.failures += 1
    row.last_failed_at = now
    wait = policy.wait_after(row.failures)
    row.next_attempt_at = now + wait if wait else None
    session.flush()
    return row.failures, row.next_attempt_at


def _count_address_failure(session: Session, organisation: Organisation, remote_addr: str, *,
                           policy: SignInPolicy, now: datetime) -> None:
    row = _throttle(session, organisation, ThrottleKind.ADDRESS, remote_addr, lock=True)
    if row is None:
        row = _new_throttle(session, organisation, ThrottleKind.ADDRESS, remote_addr, now)
    elif row.first_failed_at <= now - policy.address_window:
        row.failures, row.first_failed_at, row.next_attempt_at = 0, now, None
    row.failures += 1
    row.last_failed_at = now
    if row.failures >= policy.address_max_failures:
        row.next_attempt_at = row.first_failed_at + policy.address_window
    session.flush()


def throttle_key(username: str, device: str | None) -> str:
    """What a sign-in attempt's failures count against: the username, or the username in one known browser."""
    return username if device is None else f"{username}\x00device:{device}"


def record_password_change_failure(session: Session, *, user: User, policy: SignInPolicy | None = None,
                                   device: str | None = None, now: datetime | None = None) -> datetime | None:
    """Count a wrong current password on the change-password form like a failed sign-in, and audit it:
    against the username and, in a known browser (``device``), against that browser too, so that its
    sign-in waits as well. Returns the time until which sign-in must wait when the failures have reached
    the waits (the caller then signs the user out: an unattended PC is no guessing machine), else None.
    Flushes."""
    policy = policy or SignInPolicy()
    now = now or utc_now()
    audit.lock_chain(session)
    failures, retry_at = count_failure(session, user.organisation, user.username, policy=policy, now=now)
    if device is not None:
        _, device_retry_at = count_failure(session, user.organisation, throttle_key(user.username, device),
                                           policy=policy, now=now)
        retry_at = max((t for t in (retry_at, device_retry_at) if t is not None), default=None)
    if retry_at is not None:
        user.end_sessions()
    audit.record(session, action=AuditAction.USER_PASSWORD_CHANGE_FAILED, actor=user, object_type="user",
                 object_id=user.id, details={"failures": failures, "signed_out": retry_at is not None},
                 now=now)
    return retry_at


def sign_out(session: Session, *, user: User, now: datetime | None = None) -> None:
    """Audit a sign-out and end every session of the user (a copied cookie stops working). Flushes."""
    user.end_sessions()
    audit.record(session, action=AuditAction.USER_SIGNED_OUT, actor=user, object_type="user",
                 object_id=user.id, now=now)


def _key(kind: ThrottleKind, value: str) -> str:
    # Stored as a digest: the table must not become a list of mistyped passwords (or of visitors).
    normal = value.strip().casefold() if kind is ThrottleKind.USERNAME else address_key(value.strip())
    return hashlib.sha256(f"{kind.value}:{normal}".encode()).hexdigest()


def _throttle(session: Session, organisation: Organisation, kind: ThrottleKind, value: str, *,
              lock: bool) -> LoginThrottle | None:
    stmt = select(LoginThrottle).where(LoginThrottle.organisation_id == organisation.id,
                                       LoginThrottle.kind == kind, LoginThrottle.key == _key(kind, value))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.execute(stmt).scalar_one_or_none()


def _new_throttle(session: Session, organisation: Organisation, kind: ThrottleKind, value: str,
                  now: datetime) -> LoginThrottle:
    row = LoginThrottle(organisation_id=organisation.id, kind=kind, key=_key(kind, value), failures=0,
                        first_failed_at=now, last_failed_at=now, next_attempt_at=None)
    session.add(row)
    return row


def _clear(session: Session, organisation: Organisation, kind: ThrottleKind, value: str) -> None:
    row = _throttle(session, organisation, kind, value, lock=True)
    if row is not None:
        session.delete(row)
        session.flush()
