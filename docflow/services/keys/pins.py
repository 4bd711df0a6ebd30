"""Signing PINs: trivial ones refused, wrong ones counted per key in the database, and keys locked.

Every route that opens a key (sign, initial, issue, batch, the holder's PIN change) goes through
``docflow.services.keys.open_signing_key``, which asks this module first whether the key is locked and tells
it about every wrong PIN. A wrong PIN raises, and the action's transaction rolls back; the count, its audit
event and any lock must survive that, so they are written through ``db.outlive_rollback``: in the action's
transaction if it commits anyway, else in a short transaction of their own right after the rollback.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from docflow import policy
from docflow.config import Settings
from docflow.db import outlive_rollback
from docflow.errors import (
    N_,
    KeyLockedError,
    NotFoundError,
    PermissionDeniedError,
    SigningError,
    ValidationError,
    WrongPinError,
)
from docflow.models import Certificate, KeyGuard, Role, User, utc_now
from docflow.services import audit, notifications
from docflow.services.audit import AuditAction
from docflow.signing.base import CertificateKind

MIN_PIN_LENGTH = 6
# Beyond repeated digits and runs (checked by rule): the PINs people pick most (published PIN-frequency
# studies), each of which a guesser tries first.
COMMON_PINS = frozenset({
    "112233", "121212", "123123", "123321", "131313", "159753", "147258", "258369", "369258", "789456",
    "456123", "102030", "111222", "112211", "696969", "520520", "520131", "131420", "110110", "100100",
    "200000", "111000", "000111", "999000", "123654", "147852", "159357", "753951", "741852", "852963",
    "101010", "202020", "010203", "123000", "000123", "654123", "222333", "555666", "121314", "123789",
    "abcdef", "abc123", "qwerty", "123abc", "password", "matkhau", "12345678", "87654321",
})
# Locks double from signing.pin_lockout_minutes up to this many doublings (about 10 days from 15 minutes).
_MAX_DOUBLINGS = 10


def check_pin_strength(pin: str) -> None:
    """Refuse a PIN a guesser would try first. Raises ValidationError (field "pin")."""
    if len(pin) < MIN_PIN_LENGTH:
        raise ValidationError(N_("The PIN must be at least %(minimum)s characters long."), field="pin",
                              minimum=MIN_PIN_LENGTH)
    if len(set(pin)) == 1:
        raise ValidationError(N_("The PIN must not repeat one character."), field="pin")
    steps = {ord(b) - ord(a) for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({1}, {-1}) or (pin.isdigit() and steps <= {1, -9}) or (pin.isdigit() and steps <= {-1, 9}):
        raise ValidationError(N_("The PIN must not be a run such as 123456 or 654321."), field="pin")
    if pin.lower() in COMMON_PINS:
        raise ValidationError(N_("This PIN is among the most common ones; choose another."), field="pin")


def guard_of(session: Session, certificate: Certificate, *, lock: bool = False) -> KeyGuard:
    """The certificate's guard row, made on first use for a certificate that has none. ``lock``: held until
    the transaction ends, so that PIN tries on one key run one after the other (PostgreSQL; SQLite's write
    lock does it already) and none reads the count before the one ahead of it was counted. Flushes."""
    query = select(KeyGuard).where(KeyGuard.certificate_id == certificate.id)
    guard = session.execute((query.with_for_update() if lock else query)
                            .execution_options(populate_existing=True)).scalar_one_or_none()
    if guard is None:
        guard = KeyGuard(organisation_id=certificate.organisation_id, certificate_id=certificate.id,
                         failed_pins=0, lock_count=0, pin_set_at=certificate.created_at)
        session.add(guard)
        session.flush()
    return guard


def refuse_if_locked(session: Session, *, guard: KeyGuard, actor: User, now: datetime) -> None:
    """Raise KeyLockedError (and audit the refused try, durably) while the key is locked."""
    if guard.locked_until is None or guard.locked_until <= now:
        return
    minutes = max(1, -(-int((guard.locked_until - now).total_seconds()) // 60))
    until = guard.locked_until
    guard_id, actor_id = guard.id, actor.id

    def record(s: Session) -> None:
        row = s.get(KeyGuard, guard_id)
        if row is not None:
            audit.record(s, action=AuditAction.KEY_REFUSED_LOCKED, actor=s.get(User, actor_id),
                         object_type="certificate", object_id=row.certificate_id, now=now,
                         details={"locked_until": until.isoformat()})

    outlive_rollback(session, record)
    raise KeyLockedError(N_("This signing key is locked after too many wrong PINs: every PIN is refused for "
                            "%(minutes)s more minutes (until %(until)s UTC). An administrator can unlock it "
                            "sooner."), minutes=minutes, until=until.strftime("%H:%M %d/%m/%Y"))


def record_wrong_pin(session: Session, *, settings: Settings, guard: KeyGuard, actor: User,
                     now: datetime) -> SigningError:
    """Count one wrong PIN (durably, see the module's docstring) and return the error to raise, which says
    how many tries are left or how long the key is now locked."""
    certificate_id, actor_id = guard.certificate_id, actor.id
    outlive_rollback(session, lambda s: _count_wrong_pin(s, settings=settings, certificate_id=certificate_id,
                                                         actor_id=actor_id, now=now))
    left = settings.signing.pin_max_failures - (guard.failed_pins + 1)
    if left > 0:
        return WrongPinError(N_("The PIN is not correct. After %(left)s more wrong PINs in a row the key is "
                                "locked."), left=left)
    return KeyLockedError(N_("The PIN is not correct. After %(count)s wrong PINs in a row the key is locked for "
                             "%(minutes)s minutes; every PIN is refused until then."),
                          count=settings.signing.pin_max_failures, minutes=_lock_minutes(settings, guard.lock_count))


def _lock_minutes(settings: Settings, locks_before: int) -> int:
    return settings.signing.pin_lockout_minutes * 2 ** min(locks_before, _MAX_DOUBLINGS)


def _count_wrong_pin(session: Session, *, settings: Settings, certificate_id: int, actor_id: int,
                     now: datetime) -> None:
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFoundError(N_("No such certificate."))
    guard_of(session, certificate)   # a guard made in the rolled-back transaction is made again
    # The UPDATE comes first: it takes the row's lock (the write lock on SQLite), so two wrong PINs at
    # once are counted one after the other and neither is lost.
    session.execute(update(KeyGuard).where(KeyGuard.certificate_id == certificate_id)
                    .values(failed_pins=KeyGuard.failed_pins + 1, last_failed_at=now))
    guard = session.execute(select(KeyGuard).where(KeyGuard.certificate_id == certificate_id)
                            .execution_options(populate_existing=True)).scalar_one()
    actor = session.get(User, actor_id)
    audit.record(session, action=AuditAction.KEY_PIN_WRONG, actor=actor, object_type="certificate",
                 object_id=guard.certificate_id, now=now, details={"in_a_row": guard.failed_pins})
    if guard.failed_pins < settings.signing.pin_max_failures:
        return
    minutes = _lock_minutes(settings, guard.lock_count)
    guard.lock_count += 1
    guard.failed_pins = 0
    guard.locked_until = now + timedelta(minutes=minutes)
    session.flush()
    audit.record(session, action=AuditAction.KEY_LOCKED, actor=actor, object_type="certificate",
                 object_id=guard.certificate_id, now=now,
                 details={"minutes": minutes, "locked_until": guard.locked_until.isoformat(),
                          "lock_count": guard.lock_count})
    params = {"subject": certificate.subject, "minutes": minutes}
    notifications.notify(session, users=holders_of(session, certificate), document=None, urgent=True, now=now,
                         params=params, message=N_("Your signing key (%(subject)s) was locked for %(minutes)s "
                                                   "minutes after too many wrong PINs. If it was not you, tell "
                                                   "the administrator."))
    notifications.notify(session, users=_admins(session, certificate.organisation_id), document=None,
                         urgent=True, now=now, params=params,
                         message=N_("The signing key %(subject)s was locked for %(minutes)s minutes after too "
                                    "many wrong PINs."))


def record_success(session: Session, *, guard: KeyGuard) -> None:
    """A right PIN ends the run of wrong ones. Flushes only when there is a count to reset."""
    if guard.failed_pins:
        guard.failed_pins = 0
        session.flush()


def unlock_key(session: Session, *, actor: User, certificate_id: int, now: datetime | None = None) -> KeyGuard:
    """An administrator ends a lock early (and the count); the holder is told. Raises PermissionDeniedError,
    SigningError when the key is not locked. Flushes."""
    now = now or utc_now()
    if not policy.may_administer(actor):
        raise PermissionDeniedError(N_("Only an administrator manages signing certificates."))
    certificate = session.get(Certificate, certificate_id)
    if certificate is None or certificate.organisation_id != actor.organisation_id:
        raise NotFoundError(N_("No such certificate."))
    guard = guard_of(session, certificate)
    if guard.locked_until is None or guard.locked_until <= now:
        raise SigningError(N_("This signing key is not locked."))
    guard.locked_until, guard.failed_pins = None, 0
    session.flush()
    audit.record(session, action=AuditAction.KEY_UNLOCKED, actor=actor, object_type="certificate",
                 object_id=certificate.id, now=now, details={"subject": certificate.subject})
    notifications.notify(session, users=holders_of(session, certificate), document=None, urgent=True, now=now,
                         params={"subject": certificate.subject, "admin": actor.full_name},
                         message=N_("%(admin)s unlocked your signing key (%(subject)s); it accepts your PIN again."))
    return guard


def holders_of(session: Session, certificate: Certificate) -> list[User]:
    """Who holds the key: the official, or for the ward's organisation key every active clerk."""
    if certificate.holder is not None:
        return [certificate.holder]
    if certificate.kind is CertificateKind.ORGANISATION:
        return list(session.execute(select(User).where(User.role == Role.CLERK, User.is_active.is_(True),
                                                       User.organisation_id == certificate.organisation_id))
                    .scalars())
    return []


def _admins(session: Session, organisation_id: int) -> list[User]:
    return list(session.execute(select(User).where(User.role == Role.ADMIN, User.is_active.is_(True),
                                                   User.organisation_id == organisation_id)).scalars())


def lock_states(session: Session, certificate_ids: list[int]) -> dict[int, KeyGuard]:
    """The guards of these certificates, by certificate id (for the admin's list)."""
    rows = session.execute(select(KeyGuard).where(KeyGuard.certificate_id.in_(certificate_ids))).scalars()
    return {g.certificate_id: g for g in rows}
