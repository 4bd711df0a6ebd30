"""`docflow api clients …`: make, list and revoke the clients of the programmatic interface (/api/v1)."""

from __future__ import annotations

import click

from docflow import db
from docflow.commands.context import with_app
from docflow.models import utc_now
from docflow.services import api as api_service
from docflow.services.people import find_user_by_username
from docflow.services.people import organisation


@click.group()
def api() -> None:
    """The programmatic interface (/api/v1)."""


@api.group()
def clients() -> None:
    """Clients of the API: each acts as one docflow user, within its scopes."""


@clients.command("add")
@click.option("--user", "username", required=True, help="the docflow user the client acts as")
@click.option("--name", required=True, help="what the client is, e.g. 'Cổng dịch vụ công'")
@click.option("--scopes", required=True, help="space- or comma-separated: " + " ".join(api_service.SCOPES))
@click.option("--expires", "expires_days", type=int, default=None, help="days until the token expires (never)")
@with_app
def clients_add(username: str, name: str, scopes: str, expires_days: int | None) -> None:
    """Make a client and print its token once (docflow keeps only its SHA-256)."""
    with db.transaction() as s:
        user = find_user_by_username(s, username)
        if user is None:
            raise click.ClickException(f"no user {username}")
        made = api_service.create_client(s, actor=None, user=user, name=name,
                                         scopes=api_service.parse_scopes(scopes), expires_days=expires_days)
    click.echo(f"Client {made.client.id} ({made.client.name}) acts as {username}.")
    click.echo("Its token, shown only now:")
    click.echo(made.token)


@clients.command("list")
@with_app
def clients_list() -> None:
    """List the ward's clients (never their tokens)."""
    s, now = db.get_session(), utc_now()
    for client in api_service.list_clients(s, organisation_id=organisation.get_organisation(s).id):
        state = "revoked" if client.revoked_at else ("expired" if not client.is_usable(now) else "active")
        expires = client.expires_at.date().isoformat() if client.expires_at else "never"
        click.echo(f"{client.id:<5} {client.name[:30]:<30} {client.user.username:<16} {state:<8} "
                   f"expires {expires:<10} {client.token_hint}…  {client.scopes}")


@clients.command("revoke")
@click.argument("client_id", type=int)
@with_app
def clients_revoke(client_id: int) -> None:
    """Revoke a client's token at once."""
    with db.transaction() as s:
        client = api_service.revoke_client(s, actor=None, organisation_id=organisation.get_organisation(s).id,
                                           client_id=client_id)
    click.echo(f"Client {client.id} ({client.name}) revoked.")
