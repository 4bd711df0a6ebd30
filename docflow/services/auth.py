"""Sign-in: password check, throttling after repeated failures, and the audit of every attempt."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.models import LoginThrottle, User, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.users import find_user_by_username, hash_password, password_matches

# Verifying against a fixed hash when the username is unknown keeps the response time the same,
# so timing does not reveal which usernames exist.
_DUMMY_HASH = hash_password("docflow-dummy-password-for-timing")


class SignInOutcome(enum.StrEnum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"


@dataclass(frozen=True)
class SignInResult:
    outcome: SignInOutcome
    user: User | None = None
    locked_until: datetime | None = None


def sign_in(session: Session, *, username: str, password: str, max_failures: int, lockout: timedelta,
            remote_addr: str = "", now: datetime | None = None) -> SignInResult:
    """Check credentials, apply the throttle and audit the attempt. Flushes; the caller commits
    whatever the outcome, so failures are recorded too. An inactive user gets the same answer
    as a wrong password."""
    now = now or utc_now()
    user = find_user_by_username(session, username)
    valid = password_matches(user.password_hash if user else _DUMMY_HASH, password)
    # Every attempt writes to the audit chain anyway; taking its lock first serialises attempts, so
    # parallel guesses cannot overwrite each other's failure count (a lost update on PostgreSQL).
    audit.lock_chain(session)
    throttle = _throttle(session, username)
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        audit.record(session, action=AuditAction.USER_SIGN_IN_LOCKED, actor=None, object_type="user",
                     object_id=user.id if user else "unknown", details={"remote_addr": remote_addr}, now=now)
        return SignInResult(SignInOutcome.LOCKED, locked_until=throttle.locked_until)

    if user is not None and valid and user.is_active:
        if throttle is not None:
            session.delete(throttle)
        audit.record(session, action=AuditAction.USER_SIGNED_IN, actor=user, object_type="user",
                     object_id=user.id, details={"remote_addr": remote_addr}, now=now)
        return SignInResult(SignInOutcome.OK, user=user)

    throttle = count_failure(session, username, throttle=throttle, max_failures=max_failures,
                             lockout=lockout, now=now)
    reason = "inactive" if (user is not None and valid) else "bad_credentials"
    # The typed name is not recorded for unknown users: people type their password there by mistake.
    audit.record(session, action=AuditAction.USER_SIGN_IN_FAILED, actor=None, object_type="user",
                 object_id=user.id if user else "unknown",
                 details={"reason": reason, "failures": throttle.failures, "remote_addr": remote_addr}, now=now)
    if throttle.locked_until is not None:
        return SignInResult(SignInOutcome.LOCKED, locked_until=throttle.locked_until)
    return SignInResult(SignInOutcome.BAD_CREDENTIALS)


def _throttle_key(username: str) -> str:
    # Stored as a digest: the table must not become a list of mistyped passwords.
    return hashlib.sha256(username.strip().casefold().encode("utf-8")).hexdigest()


def _throttle(session: Session, username: str) -> LoginThrottle | None:
    stmt = select(LoginThrottle).where(LoginThrottle.key == _throttle_key(username)).with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def count_failure(session: Session, username: str, *, throttle: LoginThrottle | None, max_failures: int,
                  lockout: timedelta, now: datetime) -> LoginThrottle:
    """Add one failure for ``username`` (the caller holds the chain lock); lock it at ``max_failures``."""
    if throttle is None:
        throttle = LoginThrottle(key=_throttle_key(username), failures=0, last_failed_at=now)
        session.add(throttle)
    if throttle.locked_until is not None and throttle.locked_until <= now:
        throttle.failures, throttle.locked_until = 0, None
    throttle.failures += 1
    throttle.last_failed_at = now
    if throttle.failures >= max_failures:
        throttle.locked_until = now + lockout
    session.flush()
    return throttle


def record_password_change_failure(session: Session, *, user: User, max_failures: int, lockout: timedelta,
                                   now: datetime | None = None) -> bool:
    """Count a wrong current password on the change-password form like a failed sign-in, and audit it.
    Returns True when the account is now locked (the caller then signs the user out). Flushes."""
    now = now or utc_now()
    audit.lock_chain(session)
    throttle = count_failure(session, user.username, throttle=_throttle(session, user.username),
                             max_failures=max_failures, lockout=lockout, now=now)
    locked = throttle.locked_until is not None
    if locked:
        user.end_sessions()
    audit.record(session, action=AuditAction.USER_PASSWORD_CHANGE_FAILED, actor=user, object_type="user",
                 object_id=user.id, details={"failures": throttle.failures, "locked": locked}, now=now)
    return locked


def sign_out(session: Session, *, user: User, now: datetime | None = None) -> None:
    """Audit a sign-out and end every session of the user (a copied cookie stops working). Flushes."""
    user.end_sessions()
    audit.record(session, action=AuditAction.USER_SIGNED_OUT, actor=user, object_type="user",
                 object_id=user.id, now=now)
