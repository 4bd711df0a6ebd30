"""Taking a message in, for the HTTPS endpoint and the folder transport alike: the exchange's
``receive_message`` runs in a transaction that is committed before the sender hears "yes" (2xx); a refusal
for good (ValidationError, PermissionDeniedError: 4xx) leaves nothing behind and is not retried; anything else
(5xx) leaves nothing behind and is retried by the sender. The folder poller moves each file to done/ or
rejected/ (with a reason file), or puts it back for the next look. A file left in processing/ by a crash
is put back by hand (it was taken in or not: a replay is refused as such)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from docflow import wards
from docflow.config import Settings
from docflow.exchange import edxml
from docflow.errors import N_, DocflowError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import Organisation, utc_now
from docflow.services.exchange.ports import Receiver
from docflow.services.exchange.receive import AlreadyReceivedError
from docflow.signing.atomic import write_atomic
from docflow.services.jobs import Transaction
from docflow.services.people.organisation import get_organisation, list_wards, organ_id_of
from docflow.storage import DocumentStore

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
SUFFIXES = (".edxml", ".xml")


@dataclass(frozen=True)
class Inbound:
    """The answer to one message: an HTTP status (200 taken in, 400/403 refused for good, 500 try again)."""
    status: int
    message: str
    kind: str = ""
    sender_organ_id: str = ""

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def final(self) -> bool:
        """Whether the sender should stop: taken in, or refused for good."""
        return self.status < 500


def take_in(transaction: Transaction, *, data: bytes, receive: Receiver, settings: Settings,
            store: DocumentStore, tls_organs: frozenset[str] | None = None, clock: Clock = utc_now) -> Inbound:
    """Receive ``data`` and commit. ``tls_organs``: the partners whose roots issued the client certificate
    of the connection it came by (None for the folder transport); the message's sender must be one of them,
    or it is refused and nothing is kept."""
    if len(data) > settings.exchange.max_message_bytes:
        return Inbound(413, "message too large")
    try:
        with transaction() as session:
            ward = receiving_ward(session, data=data, settings=settings)
            with wards.acting_for(ward.id):   # the receiving ward's message, inbox and events
                received = receive(session, organisation=ward, data=data, settings=settings, store=store,
                                   now=clock())
            if tls_organs is not None and received.sender_organ_id not in tls_organs:
                raise PermissionDeniedError(N_("The message was sent under another agency's certificate."))
    except AlreadyReceivedError as exc:
        if tls_organs is not None and exc.params.get("sender") not in tls_organs:
            return Inbound(403, "The message was sent under another agency's certificate.")
        return Inbound(200, "received already", "", str(exc.params.get("sender", "")))
    except (ValidationError, NotFoundError) as exc:
        return Inbound(400, str(exc))
    except PermissionDeniedError as exc:
        return Inbound(403, str(exc))
    except DocflowError as exc:
        log.warning("an exchange message could not be taken in: %s", exc)
        return Inbound(500, "not taken in; try again later")
    except Exception:   # a database outage: the sender must try again, and we must keep serving
        log.exception("an exchange message could not be taken in")
        return Inbound(500, "not taken in; try again later")
    return Inbound(200, "received", received.kind, received.sender_organ_id)


def receiving_ward(session: Session, *, data: bytes, settings: Settings) -> Organisation:
    """The ward a message is for: the bound one, the deployment's only one, else the ward whose organ id is
    the message's To OrganId (not yet verified: that ward's partners' roots verify it next). Raises
    ValidationError (no such ward, or not an edXML message)."""
    if wards.current_ward_id() is not None:
        return get_organisation(session)
    every = list_wards(session)
    if len(every) <= 1:
        return get_organisation(session)
    organ_id = edxml.receiver_organ_id(edxml.read_tree(data, max_bytes=settings.exchange.max_message_bytes))
    for ward in every:
        if organ_id and organ_id_of(ward, settings) == organ_id:
            return ward
    raise ValidationError(N_("The message is addressed to another organ (%(organ_id)s)."), organ_id=organ_id[:30])


def poll_inbox(transaction: Transaction, *, folder: Path, receive: Receiver, settings: Settings,
               store: DocumentStore, clock: Clock = utc_now) -> list[tuple[str, Inbound]]:
    """Take in every message file in ``folder`` (oldest name first): done/ when taken in, rejected/ with
    NAME.reason.txt when refused for good, back in place when it may work later. Each file is first claimed
    by renaming it into processing/, so two pollers of one folder never take the same file twice."""
    results = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES
                       and not p.name.startswith(".")):
        claimed = _claim(path, folder / "processing")
        if claimed is None:
            continue
        inbound = take_in(transaction, data=claimed.read_bytes(), receive=receive, settings=settings, store=store,
                          clock=clock)
        if inbound.accepted:
            _move(claimed, folder / "done")
        elif inbound.final:
            moved = _move(claimed, folder / "rejected")
            write_atomic(moved.with_name(moved.name + ".reason.txt"),
                             f"{inbound.status} {inbound.message}\n".encode())
        else:
            os.replace(claimed, path)
        results.append((path.name, inbound))
    return results


def _claim(path: Path, into: Path) -> Path | None:
    """``path`` renamed into ``into`` (None when another poller took it first)."""
    into.mkdir(exist_ok=True)
    try:
        os.rename(path, into / path.name)
    except FileNotFoundError:
        return None
    return into / path.name


def _move(path: Path, into: Path) -> Path:
    """Move ``path`` into ``into`` (same file system: a rename), never over an earlier file of that name."""
    into.mkdir(exist_ok=True)
    target, n = into / path.name, 1
    while target.exists():
        target, n = into / f"{path.stem}.{n}{path.suffix}", n + 1
    os.replace(path, target)
    return target
