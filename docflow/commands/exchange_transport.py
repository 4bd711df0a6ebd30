"""`docflow exchange serve | send | poll | outbox`: the transport of edXML messages to and from other agencies.

- `serve`: the HTTPS endpoint with mutual TLS (POST /edxml), apart from the intranet UI; it also reads the
  inbox folder ([exchange] inbox_folder) every poll_seconds.
- `send`: deliver every outbox message due now, once (cron, tests); `docflow run` does it in the background.
- `poll`: take in the inbox folder's message files once.
- `tls`: issue the endpoint's server certificate and the ward's client certificate from the ward's
  development CA (the root partners register), as PEM files for [exchange] server_cert/key, client_cert/key.
- `outbox`: list the ward's outbox (status, attempts, next attempt, last error); `--requeue ID` puts a
  refused message back in the queue.
Exit status: 0 done; 1 an error (a message, never a traceback).
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from docflow import appctx
from docflow.commands.context import with_app

if TYPE_CHECKING:
    from docflow.appctx import AppContext
    from docflow.services.exchange.ports import PartnerDirectory, Receiver
    from docflow.services.exchange.sender import ExchangeSender

log = logging.getLogger(__name__)


def exchange_parts() -> tuple[PartnerDirectory, Receiver]:
    """The partners and the receiving of the exchange messages, which the transport is wired to."""
    # Imported here: the services load only for the commands that use them (CLI start-up time).
    from docflow.services.exchange.partners import DIRECTORY
    from docflow.services.exchange.receive import receive_message
    return DIRECTORY, receive_message


def start_exchange_sender(context: AppContext) -> ExchangeSender | None:
    """Start the outbox's sender thread of `docflow run` in ``context``; None when [exchange]
    send_in_background is false."""
    if not context.settings.exchange.send_in_background:
        return None
    # Imported here: the services (and the database layer) load only for the command that serves.
    from docflow import db
    from docflow.services.exchange.sender import ExchangeSender
    directory, _receive = exchange_parts()
    return ExchangeSender(db.transaction, settings=context.settings.exchange, directory=directory,
                          scope=lambda: appctx.bound(context)).start()


@click.group("exchange")
def exchange() -> None:
    """Electronic exchange with other agencies (edXML): messages, partners and their transport."""


@exchange.command("serve")
@click.option("--host", default=None, help="listen address (default: [exchange] listen_host)")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="port (default: [exchange] listen_port)")
@with_app
def serve(host: str | None, port: int | None) -> None:
    """Receive messages from registered partners over HTTPS with mutual TLS (POST /edxml)."""
    # Imported here: the services load only for the commands that use them (CLI start-up time).
    from docflow.services.exchange.server import ExchangeServer, TlsContexts
    context = appctx.current().context
    settings = context.settings.exchange
    directory, receive = exchange_parts()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    listen = host or settings.listen_host
    server = ExchangeServer((listen, port or settings.listen_port), settings=settings,
                            tls=TlsContexts(settings, lambda: _roots(context, directory)),
                            handle=lambda data, organs: _take_in(context, receive, data, organs),
                            scope=lambda: appctx.bound(context))
    stop = threading.Event()
    if settings.inbox_folder is not None:
        threading.Thread(target=_poll_forever, args=(context, receive, stop), name="docflow-exchange-inbox",
                         daemon=True).start()
    click.echo(f"docflow exchange is serving on https://{listen}:{server.server_port}/edxml")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()


def _roots(context: AppContext, directory: PartnerDirectory) -> list[Any]:
    # Imported here: as above.
    from docflow import db
    from docflow.services.people.organisation import list_wards
    # One endpoint serves every ward of the deployment: a client is let in under any ward's partner's root,
    # and the message's sender must then be one of the organs that root is registered for (inbound.take_in).
    with appctx.bound(context), db.transaction() as session:
        return [root for ward in list_wards(session)
                for root in directory.trust_roots(session, organisation_id=ward.id)]


def _take_in(context: AppContext, receive: Receiver, data: bytes, organs: frozenset[str]) -> Any:
    # Imported here: as above.
    from docflow import db
    from docflow.services.exchange.inbound import take_in
    return take_in(db.transaction, data=data, receive=receive, settings=context.settings, store=context.store,
                   tls_organs=organs)


def _poll_once(context: AppContext, receive: Receiver) -> list[Any]:
    # Imported here: as above.
    from docflow import db
    from docflow.services.exchange.inbound import poll_inbox
    folder = context.settings.exchange.inbox_folder
    if folder is None:
        raise click.ClickException("[exchange] inbox_folder is not set")
    folder.mkdir(parents=True, exist_ok=True)
    with appctx.bound(context):
        return poll_inbox(db.transaction, folder=folder, receive=receive, settings=context.settings,
                          store=context.store)


def _poll_forever(context: AppContext, receive: Receiver, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            for name, inbound in _poll_once(context, receive):
                log.info("inbox file %s: %s %s", name, inbound.status, inbound.message)
        except Exception:   # a database outage must not end the poller: log it and look again later
            log.exception("the exchange inbox folder could not be read")
        stop.wait(context.settings.exchange.poll_seconds)


@exchange.command("poll")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object per file")
@with_app
def poll(as_json: bool) -> None:
    """Take in the message files of the inbox folder once (done/ or rejected/ after)."""
    _directory, receive = exchange_parts()
    for name, inbound in _poll_once(appctx.current().context, receive):
        click.echo(json.dumps({"file": name, "status": inbound.status, "message": inbound.message,
                               "sender": inbound.sender_organ_id}, ensure_ascii=False) if as_json
                   else f"{name}: {inbound.status} {inbound.message}")


@exchange.command("send")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object per attempt")
@with_app
def send(as_json: bool) -> None:
    """Deliver every outbox message due now (once); failures wait for their next attempt."""
    # Imported here: as above.
    from docflow import db
    from docflow.services.exchange.sender import send_due
    directory, _receive = exchange_parts()
    done = send_due(db.transaction, settings=appctx.settings().exchange, directory=directory)
    for sent in done:
        row = {"id": sent.item_id, "partner": sent.partner_organ_id, "attempt": sent.attempt,
               "outcome": str(sent.outcome), "detail": sent.detail[:300]}
        click.echo(json.dumps(row, ensure_ascii=False) if as_json else
                   f"{sent.item_id} → {sent.partner_organ_id} (attempt {sent.attempt}): {sent.outcome} "
                   f"{sent.detail[:200]}")
    if not done and not as_json:
        click.echo("nothing due")


@exchange.command("tls")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="the folder for server.pem, server.key, client.pem, client.key (keys 0600)")
@click.option("--host", "hosts", multiple=True, required=True, help="a name or address the endpoint answers on")
@click.option("--days", type=click.IntRange(1, 3650), default=365, show_default=True)
@with_app
def tls(out_dir: Path, hosts: tuple[str, ...], days: int) -> None:
    """Issue the exchange TLS certificates from the ward's development CA."""
    # Imported here: as above (and the CA's keys load only for this command).
    from docflow import db
    from docflow.services.keys.ca import open_ca
    from docflow.services.people.organisation import get_organisation, organ_id_of
    from docflow.signing.tlscerts import issue_tls_pair
    settings = appctx.settings()
    with db.transaction() as session:
        ward = get_organisation(session)
        name, organ_id = ward.name, organ_id_of(ward, settings)
    pair = issue_tls_pair(open_ca(settings), organisation=name, organ_id=organ_id, hosts=hosts, out=out_dir,
                          days=days)
    click.echo(f"[exchange]\nserver_cert = \"{pair.server_cert}\"\nserver_key = \"{pair.server_key}\"\n"
               f"client_cert = \"{pair.client_cert}\"\nclient_key = \"{pair.client_key}\"")


@exchange.command("outbox")
@click.option("--status", type=click.Choice(["pending", "sending", "delivered", "rejected"]), default=None)
@click.option("--requeue", "requeue_id", type=int, default=None, help="put this refused message back in the queue")
@click.option("--user", "username", default=None, help="the clerk or administrator who requeues (with --requeue)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object per message")
@with_app
def outbox_command(status: str | None, requeue_id: int | None, username: str | None, as_json: bool) -> None:
    """List the ward's outbox, newest first."""
    # Imported here: as above.
    from docflow import db
    from docflow.models import OutboxStatus, utc_now
    from docflow.services.exchange import outbox
    from docflow.services.people.organisation import get_organisation
    from docflow.services.people.users import find_user_by_username
    with db.transaction() as session:
        ward = get_organisation(session)
        if requeue_id is not None:
            user = find_user_by_username(session, username or "")
            if user is None:
                raise click.ClickException("--requeue needs --user naming the ward's clerk or administrator")
            outbox.requeue(session, organisation_id=ward.id, item_id=requeue_id, actor=user, now=utc_now())
        items = outbox.list_items(session, organisation_id=ward.id,
                                  status=OutboxStatus(status) if status else None)
        rows: list[dict[str, Any]] = [
            {"id": i.id, "partner": i.partner_organ_id, "kind": i.kind, "status": str(i.status),
             "attempts": i.attempts, "next_attempt_at": i.next_attempt_at.isoformat(),
             "delivered_at": i.delivered_at.isoformat() if i.delivered_at else None,
             "recipient_id": i.recipient_id, "last_error": i.last_error[:300]} for i in items]
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False) if as_json else
                   f"{row['id']:>6} {row['partner']} {row['kind']:<11} {row['status']:<9} "
                   f"attempts {row['attempts']} next {row['next_attempt_at'][:19]} {row['last_error'][:80]}")
