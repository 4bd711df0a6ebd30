"""`docflow exchange outbox`: the ward's outbox as lines or JSON, and `--requeue` by the clerk or administrator."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from docflow.commands.exchange_transport import exchange
from docflow.config_exchange import ExchangeSettings
from docflow.models import OutboxStatus, Role
from docflow.services.exchange import outbox
from tests.cli.inprocess import in_process

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def test_the_outbox_lists_each_message_and_a_refused_one_is_queued_again(app: Any, db_session: Session, org: Any,
                                                                        make_user: Any) -> None:
    item = outbox.enqueue(db_session, organisation_id=org.id, partner_organ_id="000.00.02.H99", message=b"<e/>",
                          kind="status", recipient_id=None, now=NOW)
    outbox.claim_next(db_session, settings=ExchangeSettings(), sender="t", now=NOW)
    outbox.mark_refused(db_session, item_id=item.id, sender="t", error="HTTP 400: altered", now=NOW)
    run = in_process(app, exchange)
    listed = run("outbox", "--json")
    assert listed.exit_code == 0
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert {"id": item.id, "status": "rejected", "attempts": 1, "last_error": "HTTP 400: altered"}.items() \
        <= next(r for r in rows if r["id"] == item.id).items()
    official = make_user(Role.OFFICIAL)
    refused = run("outbox", "--requeue", str(item.id), "--user", official.username)
    assert refused.exit_code == 1 and "clerk or administrator" in refused.output
    clerk = make_user(Role.CLERK)
    done = run("outbox", "--requeue", str(item.id), "--user", clerk.username, "--status", "pending")
    assert done.exit_code == 0 and f"{item.id:>6} 000.00.02.H99 status" in done.output
    db_session.refresh(item)
    assert item.status is OutboxStatus.PENDING


def _context(app: Any, **exchange: Any) -> Any:
    # Imported here: only these two tests need the application context's pieces.
    import dataclasses

    from docflow import appctx
    with app.app_context():
        context = appctx.current().context
    settings = dataclasses.replace(context.settings, exchange=ExchangeSettings(**exchange))
    return dataclasses.replace(context, settings=settings)


def test_docflow_run_starts_no_sender_when_the_configuration_turns_it_off(committed_app: Any) -> None:
    from docflow.commands.exchange_transport import start_exchange_sender
    assert start_exchange_sender(_context(committed_app, send_in_background=False)) is None


def test_docflow_run_starts_the_outbox_sender_beside_the_web_server(committed_app: Any) -> None:
    from docflow.commands.exchange_transport import start_exchange_sender
    sender = start_exchange_sender(_context(committed_app, poll_seconds=1))
    assert sender is not None and sender.thread.is_alive() and sender.thread.name == "docflow-exchange-sender"
    sender.stop(timeout=30)
    assert not sender.thread.is_alive()
