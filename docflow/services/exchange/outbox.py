"""The exchange outbox: messages to other agencies are stored in the transaction that produced them and
delivered after commit by a sender (``docflow.services.exchange.sender``), with retries and exponential
back-off, until the partner confirms. A confirmed delivery to a recipient marks it "sent" (issue 15 §1:
"sent" only after the transport confirms it).

Claims are conditional updates (``status`` and ``claimed_at`` in the WHERE clause), committed at once by the
caller: of two senders, in one process or two, exactly one gets a given item.
"""

from __future__ import annotations

import hashlib
import socket
import threading
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from docflow import jobqueue
from docflow.config_exchange import ExchangeSettings
from docflow.errors import N_, InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import OutboxItem, OutboxStatus, Recipient, Role, User
from docflow.services import audit
from docflow.services.audit.actions import AuditAction

KINDS = frozenset({"edoc", "status", "revocation", "replacement", "update"})
ERROR_LIMIT = 2000

SEND_JOB = "exchange.send"   # the job queue's kind: deliver what the outbox has due

def enqueue(session: Session, *, organisation_id: int, partner_organ_id: str, message: bytes, kind: str,
            recipient_id: int | None, now: datetime) -> OutboxItem:
    """Keep ``message`` for ``partner_organ_id`` in the outbox, due at once, in the caller's transaction (so it
    exists exactly when the change that produced it does). Raises ValidationError for an empty message, an
    unknown kind or a missing organ id. Flushes."""
    if not message:
        raise ValidationError(N_("An exchange message cannot be empty."))
    if kind not in KINDS:
        raise ValidationError(N_("Unknown exchange message kind."))
    if not partner_organ_id.strip() or len(partner_organ_id.strip()) > 13:
        raise ValidationError(N_("An exchange message needs the receiving organ's identifier."))
    item = OutboxItem(organisation_id=organisation_id, partner_organ_id=partner_organ_id.strip(), kind=kind,
                      recipient_id=recipient_id, message=message, sha256=hashlib.sha256(message).hexdigest(),
                      status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, last_error="", created_at=now)
    session.add(item)
    session.flush()
    # With a broker configured a worker delivers it now (else `docflow run`'s sender thread does).
    jobqueue.enqueue(session, kind=SEND_JOB, organisation_id=organisation_id, now=now)
    return item


def back_off(settings: ExchangeSettings, attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: retry_first_seconds, doubled each time, capped."""
    exponent = min(max(attempts - 1, 0), 30)
    return timedelta(seconds=min(settings.retry_first_seconds * 2 ** exponent, settings.retry_max_seconds))


def sender_name() -> str:
    """This thread of this process on this host: what an item's claimed_by says."""
    return f"{socket.gethostname()}:{threading.get_native_id()}"[:64]


def _claimable(now: datetime, stale_before: datetime) -> ColumnElement[bool]:
    due = (OutboxItem.status == OutboxStatus.PENDING) & (OutboxItem.next_attempt_at <= now)
    lost = (OutboxItem.status == OutboxStatus.SENDING) & (OutboxItem.claimed_at < stale_before)
    return or_(due, lost)


def ward_with_due(session: Session, *, settings: ExchangeSettings, now: datetime) -> int | None:
    """The ward of the first item a sender could take now, or None: whether a delivery job is worth it."""
    stale_before = now - timedelta(minutes=settings.stale_minutes)
    return session.execute(select(OutboxItem.organisation_id).where(_claimable(now, stale_before))
                           .order_by(OutboxItem.next_attempt_at, OutboxItem.id).limit(1)).scalar()


def claim_next(session: Session, *, settings: ExchangeSettings, sender: str, now: datetime) -> OutboxItem | None:
    """The oldest due item (or one whose sender went silent ``stale_minutes`` ago), now SENDING for
    ``sender`` with one more attempt; None when nothing is due. Flushes; the caller commits at once."""
    stale_before = now - timedelta(minutes=settings.stale_minutes)
    ids = session.execute(select(OutboxItem.id).where(_claimable(now, stale_before))
                          .order_by(OutboxItem.next_attempt_at, OutboxItem.id).limit(20)).scalars().all()
    for item_id in ids:
        claimed = session.execute(
            update(OutboxItem).where(OutboxItem.id == item_id, _claimable(now, stale_before))
            .values(status=OutboxStatus.SENDING, claimed_by=sender[:64], claimed_at=now,
                    attempts=OutboxItem.attempts + 1)
            .execution_options(synchronize_session=False))
        if getattr(claimed, "rowcount", 0) == 1:
            return session.get(OutboxItem, item_id, populate_existing=True)
    return None


def _held(session: Session, item_id: int, sender: str) -> OutboxItem | None:
    """The item if ``sender`` still holds its claim (another may have taken it over after a long stall)."""
    item = session.get(OutboxItem, item_id, populate_existing=True, with_for_update=True)
    if item is None or item.status is not OutboxStatus.SENDING or item.claimed_by != sender[:64]:
        return None
    return item


def mark_delivered(session: Session, *, item_id: int, sender: str, now: datetime) -> OutboxItem | None:
    """The partner confirmed ``item_id``: DELIVERED at ``now``, its recipient (if any) sent at ``now``, audited.
    None when the claim was lost meanwhile. Flushes."""
    item = _held(session, item_id, sender)
    if item is None:
        return None
    item.status, item.delivered_at, item.last_error, item.claimed_by = OutboxStatus.DELIVERED, now, "", None
    recipient = session.get(Recipient, item.recipient_id) if item.recipient_id is not None else None
    if recipient is not None and recipient.sent_at is None:
        recipient.sent_at = now
    audit.record(session, action=AuditAction.EXCHANGE_DELIVERED, actor=None, object_type="exchange_message",
                 object_id=item.id, now=now,
                 details={"partner": item.partner_organ_id, "kind": item.kind, "sha256": item.sha256,
                          "recipient_id": item.recipient_id,
                          "document_id": recipient.document_id if recipient is not None else None})
    session.flush()
    return item


def mark_failed(session: Session, *, item_id: int, sender: str, error: str, settings: ExchangeSettings,
                now: datetime) -> OutboxItem | None:
    """A failed attempt that may succeed later (receiver down, 5xx): PENDING again after the back-off. Flushes."""
    item = _held(session, item_id, sender)
    if item is None:
        return None
    item.status, item.claimed_by = OutboxStatus.PENDING, None
    item.last_error = error[:ERROR_LIMIT]
    item.next_attempt_at = now + back_off(settings, item.attempts)
    session.flush()
    return item


def mark_refused(session: Session, *, item_id: int, sender: str, error: str, now: datetime) -> OutboxItem | None:
    """The partner refused the message for good (4xx): REJECTED, never retried by itself, audited. Flushes."""
    item = _held(session, item_id, sender)
    if item is None:
        return None
    item.status, item.claimed_by, item.last_error = OutboxStatus.REJECTED, None, error[:ERROR_LIMIT]
    audit.record(session, action=AuditAction.EXCHANGE_REFUSED_BY_PARTNER, actor=None,
                 object_type="exchange_message", object_id=item.id, now=now,
                 details={"partner": item.partner_organ_id, "kind": item.kind, "error": item.last_error[:300]})
    session.flush()
    return item


def can_view_outbox(user: User) -> bool:
    """The outbox page: the clerk and the administrator (who act on it) and the auditor (who reads it)."""
    return user.role in (Role.CLERK, Role.ADMIN, Role.AUDITOR)


def requeue(session: Session, *, organisation_id: int, item_id: int, actor: User | None,
            now: datetime) -> OutboxItem:
    """Put a refused (or waiting) message back in the queue, due now, attempts kept: the ward's clerk or
    administrator. Raises PermissionDeniedError, NotFoundError (not this ward's), InvalidTransitionError
    (delivered or being sent). Flushes."""
    if actor is None or actor.organisation_id != organisation_id or actor.role not in (Role.CLERK, Role.ADMIN):
        raise PermissionDeniedError(N_("Only the ward's clerk or administrator can queue a message again."))
    item = session.get(OutboxItem, item_id, with_for_update=True)
    if item is None or item.organisation_id != organisation_id:
        raise NotFoundError(N_("No such exchange message."))
    if item.status not in (OutboxStatus.REJECTED, OutboxStatus.PENDING):
        raise InvalidTransitionError(N_("Only a refused or waiting message can be queued again."))
    item.status, item.next_attempt_at = OutboxStatus.PENDING, now
    audit.record(session, action=AuditAction.EXCHANGE_REQUEUED, actor=actor, object_type="exchange_message",
                 object_id=item.id, now=now, details={"partner": item.partner_organ_id, "kind": item.kind})
    session.flush()
    return item


def list_items(session: Session, *, organisation_id: int, status: OutboxStatus | None = None,
               limit: int = 200, actor: User | None = None) -> list[OutboxItem]:
    """The ward's outbox, newest first (optionally one status). With ``actor`` (a screen), only for those who
    may see it: raises PermissionDeniedError otherwise."""
    if actor is not None and (actor.organisation_id != organisation_id or not can_view_outbox(actor)):
        raise PermissionDeniedError(N_("Only the clerk, the auditor and the administrator see the outbox."))
    query = select(OutboxItem).where(OutboxItem.organisation_id == organisation_id)
    if status is not None:
        query = query.where(OutboxItem.status == status)
    return list(session.execute(query.order_by(OutboxItem.id.desc()).limit(limit)).scalars())


def items_for_recipient(session: Session, *, recipient_id: int) -> list[OutboxItem]:
    """The messages sent (or waiting) for one recipient of an issued document, oldest first."""
    return list(session.execute(select(OutboxItem).where(OutboxItem.recipient_id == recipient_id)
                                .order_by(OutboxItem.id)).scalars())
