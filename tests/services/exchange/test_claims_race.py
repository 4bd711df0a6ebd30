"""Two senders at once (threads, each with its own session and transaction through db.transaction, as two
processes would have) never claim the same outbox message: each due message is claimed exactly once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import delete, select

from docflow import appctx, db
from docflow.config_exchange import ExchangeSettings
from docflow.models import Organisation, OutboxItem
from docflow.services.exchange import outbox

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def test_three_senders_racing_claim_each_message_once(committed_app: Flask) -> None:
    with committed_app.app_context():
        context = appctx.current().context
    with appctx.bound(context), db.transaction() as s:
        ward = s.execute(select(Organisation.id).order_by(Organisation.id)).scalars().first()
        ids = {outbox.enqueue(s, organisation_id=ward, partner_organ_id="000.00.09.H99", message=b"<m%d/>" % n,
                              kind="status", recipient_id=None, now=NOW).id for n in range(12)}
    settings, barrier = ExchangeSettings(), threading.Barrier(3)
    claims: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def sender(name: str) -> None:
        taken: list[int] = []
        try:
            with appctx.bound(context):
                barrier.wait()
                while True:
                    # one claim per transaction, committed at once: what the sender loop does
                    with db.transaction() as session:
                        item = outbox.claim_next(session, settings=settings, sender=name, now=NOW)
                        if item is None:
                            break
                        taken.append(item.id)
        except BaseException as exc:   # the test judges every outcome
            errors.append(exc)
        claims[name] = taken

    threads = [threading.Thread(target=sender, args=(name,)) for name in ("one", "two", "three")]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == []
        every: list[Any] = [i for taken in claims.values() for i in taken]
        assert sorted(every) == sorted(ids)   # all claimed, none twice
    finally:
        with appctx.bound(context), db.transaction() as s:
            s.execute(delete(OutboxItem).where(OutboxItem.id.in_(ids)))
