"""Rate limits for callers without an account (the public pages) and for API clients: at most ``limit`` hits
per ``per`` for one caller and purpose, counted in the database (every app process sees the same count)."""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docflow.errors import N_, RateLimitedError
from docflow.models.ratelimits import RateLimit


def take(session: Session, *, organisation_id: int, bucket: str, caller: str, limit: int, per: timedelta,
         now: datetime) -> None:
    """Count one hit of ``caller`` (a client address, a client id) for ``bucket``. An address is counted by
    its ``address_key``: an IPv6 caller's whole /64 is one caller.

    Raises RateLimitedError (with ``retry_after`` seconds) when the window already holds ``limit`` hits; the
    refused hit is not counted. Flushes; the caller commits (a refused request commits its count too, so call
    it in its own transaction before the work)."""
    key = hashlib.sha256(f"{bucket}:{address_key(caller)}".encode()).hexdigest()
    row = _locked(session, organisation_id, bucket, key)
    if row is None:
        try:
            with session.begin_nested():
                session.add(RateLimit(organisation_id=organisation_id, bucket=bucket, key=key, window_start=now,
                                      hits=0))
        except IntegrityError:
            pass    # another request made the row at the same moment: count on it
        row = _locked(session, organisation_id, bucket, key)
        if row is None:
            raise RuntimeError("rate limit row vanished between insert and lock")
    if row.window_start + per <= now:
        row.window_start, row.hits = now, 0
    if row.hits >= limit:
        wait = int((row.window_start + per - now).total_seconds()) + 1
        raise RateLimitedError(N_("Too many requests. Please wait %(seconds)s seconds and try again."),
                               retry_after=wait, seconds=wait)
    row.hits += 1
    session.flush()


def address_key(remote_addr: str) -> str:
    """The unit an address limit applies to: the address itself, or for IPv6 its /64 (one household or
    office holds a whole /64 and could otherwise step through it). Anything that is not an address (an API
    client's id) is itself."""
    try:
        parsed = ipaddress.ip_address(remote_addr)
    except ValueError:
        return remote_addr
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


def _locked(session: Session, organisation_id: int, bucket: str, key: str) -> RateLimit | None:
    return session.execute(
        select(RateLimit).where(RateLimit.organisation_id == organisation_id, RateLimit.bucket == bucket,
                                RateLimit.key == key)
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()


# Longer than any window a caller is counted in (the longest is an hour): a row older is only history.
STALE_AFTER = timedelta(days=1)


def purge(session: Session, *, now: datetime) -> int:
    """Delete the counts whose window ended long ago (`docflow escalate`, daily); returns how many. Flushes."""
    result = session.execute(delete(RateLimit).where(RateLimit.window_start < now - STALE_AFTER)
                             .execution_options(synchronize_session=False))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
