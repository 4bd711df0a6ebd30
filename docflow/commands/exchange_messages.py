"""`docflow exchange export | import | partners`: edXML messages to and from other agencies, from the command
line, in the one `docflow exchange` group beside the transport's serve/send/poll/outbox (``exchange_transport``).

- `export --document ID [--to ORGAN_ID] --out FILE --user CLERK`: an issued document as a signed message.
- `import FILE [--user CLERK] [--confirm-duplicate] [--json]`: verify and take one in; with --user the clerk
  registers it at once (số đến). Exit 1 and nothing kept when the message or its PDF was altered, the sender is
  not a registered partner (or signed under another root), the message was taken in already, or it is a
  duplicate the clerk did not confirm.
- `partners add ORGAN_ID --trust-root CA.pem [--url URL] [--name NAME]`, `partners list`,
  `partners deactivate ORGAN_ID`: the operator's trust decisions (audited as the command line).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from docflow import appctx
from docflow.commands.context import with_app
from docflow.commands.exchange_transport import exchange


def _user(session: Any, username: str) -> Any:
    # Imported here: the services load only for the commands that use them (CLI start-up time).
    from docflow.services.people.users import find_user_by_username
    user = find_user_by_username(session, username)
    if user is None:
        raise click.ClickException(f"no user named {username}")
    return user


@click.command("export")
@click.option("--document", "document_id", type=int, required=True, help="the issued outgoing document's id")
@click.option("--to", "to", default=None, help="the receiving organ's identifier (000.00.00.H00)")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="the message file")
@click.option("--user", "username", required=True, help="the clerk or administrator who exports it")
@with_app
def export_command(document_id: int, to: str | None, out: Path, username: str) -> None:
    """Write an issued document of the ward as an edXML message signed by the ward's system key."""
    # Imported here: the services load only for the commands that use them (CLI start-up time).
    from docflow import db
    from docflow.models import utc_now
    from docflow.services.exchange.export import export_document
    with db.transaction() as s:
        data = export_document(s, actor=_user(s, username), document_id=document_id, to=to,
                               settings=appctx.settings(), store=appctx.store(), now=utc_now())
        out.write_bytes(data)
    click.echo(f"{out} ({len(data)} bytes)")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "username", default=None, help="the clerk who registers it at once (else it awaits the clerk)")
@click.option("--department", "department_id", type=int, default=None, help="the department it belongs to")
@click.option("--confirm-duplicate", is_flag=True, help="register it although the same number is registered")
@click.option("--json", "as_json", is_flag=True, help="print the outcome as one JSON object")
@with_app
def import_command(file: Path, username: str | None, department_id: int | None, confirm_duplicate: bool,
                   as_json: bool) -> None:
    """Verify and take in an edXML message from a registered partner."""
    # Imported here: the services load only for the commands that use them (CLI start-up time).
    from docflow import db
    from docflow.models import utc_now
    from docflow.services.exchange import inbox
    from docflow.services.exchange.receive import receive_message
    from docflow.services.people.organisation import get_organisation
    settings, store = appctx.settings(), appctx.store()
    with db.transaction() as s:
        user = _user(s, username) if username else None
        organisation = user.organisation if user else get_organisation(s)
        received = receive_message(s, organisation=organisation, data=file.read_bytes(), settings=settings,
                                   store=store, now=utc_now())
        outcome: dict[str, Any] = {"kind": received.kind, "sender": received.sender_organ_id,
                                   "document_id": received.document_id, "valid": received.valid,
                                   "inbox_id": received.inbox_id, "number": None}
        if user is not None and received.inbox_id is not None and received.document_id is None:
            registration = inbox.register_received(s, actor=user, inbox_id=received.inbox_id, settings=settings,
                                                   store=store, now=utc_now(), department_id=department_id,
                                                   confirm_duplicate=confirm_duplicate)
            outcome.update(document_id=registration.document.id, number=registration.number)
    click.echo(json.dumps(outcome, ensure_ascii=False) if as_json else _human(outcome))


def _human(outcome: dict[str, Any]) -> str:
    validity = {True: "valid", False: "NOT valid (see the document's signature report)", None: "unsigned"}
    where = (f"document {outcome['document_id']}" + (f", incoming no. {outcome['number']}" if outcome["number"] else "")
             if outcome["document_id"] else f"awaiting the clerk (received item {outcome['inbox_id']})")
    return f"{outcome['kind']} from {outcome['sender']}: {where}; signatures {validity[outcome['valid']]}"


@click.group("partners")
def partners_group() -> None:
    """The agencies the ward trusts, each under one root certificate."""


@partners_group.command("add")
@click.argument("organ_id")
@click.option("--trust-root", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="the partner's root CA certificate (PEM or DER): its messages must chain to it")
@click.option("--url", default="", help="the partner's endpoint (https://…/edxml) or folder:/path")
@click.option("--name", default="", help="the partner's name (recipients naming it are sent electronically)")
@with_app
def partners_add(organ_id: str, trust_root: Path, url: str, name: str) -> None:
    """Trust ORGAN_ID under --trust-root."""
    # Imported here: the services load only for the commands that use them (CLI start-up time).
    from docflow import db
    from docflow.models import utc_now
    from docflow.services.exchange import partners
    from docflow.services.people.organisation import get_organisation
    with db.transaction() as s:
        partner = partners.add_partner(s, organisation=get_organisation(s), organ_id=organ_id,
                                       trust_root=trust_root.read_bytes(), actor=None, now=utc_now(), name=name,
                                       url=url)
        click.echo(f"{partner.organ_id} {partner.name}: trusted under root SHA-256 {partner.trust_root_sha256}")


@partners_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="print the partners as a JSON array")
@with_app
def partners_list(as_json: bool) -> None:
    """The ward's partners, active first."""
    # Imported here: the services load only for the commands that use them (CLI start-up time).
    from docflow import db
    from docflow.services.exchange import partners
    from docflow.services.people.organisation import get_organisation
    with db.transaction() as s:
        rows = [{"organ_id": p.organ_id, "name": p.name, "url": p.url, "active": p.is_active,
                 "trust_root_sha256": p.trust_root_sha256}
                for p in partners.list_partners(s, organisation_id=get_organisation(s).id)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['organ_id']}  {'active  ' if row['active'] else 'inactive'}  {row['name']}  {row['url']}")


@partners_group.command("deactivate")
@click.argument("organ_id")
@with_app
def partners_deactivate(organ_id: str) -> None:
    """Stop trusting ORGAN_ID: its messages are refused from now on."""
    # Imported here: the services load only for the commands that use them (CLI start-up time).
    from docflow import db
    from docflow.models import utc_now
    from docflow.services.exchange import partners
    from docflow.services.people.organisation import get_organisation
    with db.transaction() as s:
        partners.deactivate_partner(s, organisation=get_organisation(s), organ_id=organ_id, actor=None, now=utc_now())
    click.echo(f"{organ_id}: no longer trusted")


# export, import and partners join the transport's group: `docflow exchange` is one command group.
for _command in (export_command, import_command, partners_group):
    exchange.add_command(_command)
