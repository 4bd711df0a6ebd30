"""Sign-in: password check, throttling after repeated failures, and the audit of every attempt."""

from __future__ import annotations

import enum
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
    key = username.strip().lower()[:200]
    throttle = session.execute(select(LoginThrottle).where(LoginThrottle.key == key)).scalar_one_or_none()
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        audit.record(session, action=AuditAction.USER_SIGN_IN_LOCKED, actor=None, object_type="user",
                     object_id=key, details={"remote_addr": remote_addr}, now=now)
        return SignInResult(SignInOutcome.LOCKED, locked_until=throttle.locked_until)

    user = find_user_by_username(session, key)
    valid = password_matches(user.password_hash if user else _DUMMY_HASH, password)
    if user is not None and valid and user.is_active:
        if throttle is not None:
            session.delete(throttle)
        audit.record(session, action=AuditAction.USER_SIGNED_IN, actor=user, object_type="user",
                     object_id=user.id, details={"remote_addr": remote_addr}, now=now)
        return SignInResult(SignInOutcome.OK, user=user)

    if throttle is None:
        throttle = LoginThrottle(key=key, failures=0, last_failed_at=now)
        session.add(throttle)
    if throttle.locked_until is not None and throttle.locked_until <= now:
        throttle.failures, throttle.locked_until = 0, None
    throttle.failures += 1
    throttle.last_failed_at = now
    if throttle.failures >= max_failures:
        throttle.locked_until = now + lockout
    reason = "inactive" if (user is not None and valid) else "bad_credentials"
    audit.record(session, action=AuditAction.USER_SIGN_IN_FAILED, actor=None, object_type="user",
                 object_id=user.id if user else key,
                 details={"reason": reason, "failures": throttle.failures, "remote_addr": remote_addr}, now=now)
    session.flush()
    if throttle.locked_until is not None:
        return SignInResult(SignInOutcome.LOCKED, locked_until=throttle.locked_until)
    return SignInResult(SignInOutcome.BAD_CREDENTIALS)


def sign_out(session: Session, *, user: User, now: datetime | None = None) -> None:
    """Audit a sign-out. Flushes."""
    audit.record(session, action=AuditAction.USER_SIGNED_OUT, actor=user, object_type="user",
                 object_id=user.id, now=now)
