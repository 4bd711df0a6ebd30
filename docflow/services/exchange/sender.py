"""The sender: claim a due outbox item (committed at once, so no other sender takes it), deliver it outside
any transaction, then record the outcome in a transaction of its own. `docflow run` runs it in a thread
(``ExchangeSender``); `docflow exchange send` runs ``send_due`` once (cron, tests)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime

from docflow.config_exchange import ExchangeSettings
from docflow.models import utc_now
from docflow.services.exchange import outbox
from docflow.services.exchange.ports import PartnerDirectory
from docflow.services.exchange.transport import Attempt, Outcome, deliver
from docflow.services.jobs import Transaction
from docflow.services.jobs.loop import BackgroundLoop
from docflow.wards import acting_for

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Sent:
    """What one attempt did to one item."""
    item_id: int
    partner_organ_id: str
    attempt: int
    outcome: Outcome
    detail: str


def send_one(transaction: Transaction, *, settings: ExchangeSettings, directory: PartnerDirectory,
             sender: str | None = None, clock: Clock = utc_now) -> Sent | None:
    """Deliver the next due item, if any, and record the outcome; None when nothing is due."""
    sender = sender or outbox.sender_name()
    with transaction() as session:
        item = outbox.claim_next(session, settings=settings, sender=sender, now=clock())
        if item is None:
            return None
        item_id, organ_id, attempts, message = item.id, item.partner_organ_id, item.attempts, item.message
        name = f"{item.created_at:%Y%m%dT%H%M%S}-{item.id}-{item.sha256[:16]}.edxml"
        endpoint = directory.endpoint(session, organisation_id=item.organisation_id, organ_id=organ_id)
        ward = item.organisation_id
    if endpoint is None:
        attempt = Attempt(Outcome.RETRY, f"no active partner {organ_id} with a URL is registered")
    else:
        attempt = deliver(endpoint, message, name=name, settings=settings)
    # The outcome is the sending ward's (docflow.wards): the item carries which one.
    with acting_for(ward), transaction() as session:
        now = clock()
        if attempt.outcome is Outcome.DELIVERED:
            outbox.mark_delivered(session, item_id=item_id, sender=sender, now=now)
        elif attempt.outcome is Outcome.REFUSED:
            outbox.mark_refused(session, item_id=item_id, sender=sender, error=attempt.detail, now=now)
        else:
            outbox.mark_failed(session, item_id=item_id, sender=sender, error=attempt.detail, settings=settings,
                               now=now)
    return Sent(item_id, organ_id, attempts, attempt.outcome, attempt.detail)


def send_due(transaction: Transaction, *, settings: ExchangeSettings, directory: PartnerDirectory,
             clock: Clock = utc_now, limit: int = 1000) -> list[Sent]:
    """Deliver every item due now (each at most once in this pass), up to ``limit``."""
    done: list[Sent] = []
    while len(done) < limit:
        sent = send_one(transaction, settings=settings, directory=directory, clock=clock)
        if sent is None:
            break
        done.append(sent)
    return done


class ExchangeSender(BackgroundLoop):
    """The outbox's sender inside `docflow run`: every ``poll_seconds``, everything due."""

    def __init__(self, transaction: Transaction, *, settings: ExchangeSettings, directory: PartnerDirectory,
                 scope: Callable[[], AbstractContextManager[object]] = nullcontext) -> None:
        super().__init__(name="docflow-exchange-sender", poll_seconds=settings.poll_seconds)
        self._transaction, self._settings, self._directory, self._scope = transaction, settings, directory, scope

    def round(self) -> list[Sent]:
        with self._scope():
            done = send_due(self._transaction, settings=self._settings, directory=self._directory)
        for sent in done:
            log.info("exchange message %s to %s (attempt %s): %s %s", sent.item_id, sent.partner_organ_id,
                     sent.attempt, sent.outcome, sent.detail[:200])
        return done
