"""`docflow wards …`: the wards of a deployment that serves a province (issue 16)."""

from __future__ import annotations

import click

from docflow import appctx, db
from docflow.commands.context import with_app
from docflow.services import wards as ward_service
from docflow.services.people import organisation


@click.group()
def wards() -> None:
    """The wards this deployment serves."""


@wards.command("create")
@click.argument("code")
@click.option("--name", required=True, help='the ward\'s name, e.g. "UBND phường Vĩnh Yên"')
@click.option("--organ-id", default="", help="the ward's organ identifier (mã định danh), e.g. 000.00.02.H99")
@with_app
def wards_create(code: str, name: str, organ_id: str) -> None:
    """Create a ward with its registers and, with the development CA, its own CA and system key."""
    with db.transaction() as s:
        ward = ward_service.provision_ward(s, settings=appctx.settings(), name=name, code=code, organ_id=organ_id)
    click.echo(f"Created the ward {ward.name} ({ward.code}"
               + (f", {ward.organ_id})." if ward.organ_id else ")."))
    click.echo(f"Next: docflow --ward {ward.code} users create … --role admin (its administrator).")


@wards.command("list")
@with_app
def wards_list() -> None:
    """Every ward: code, organ identifier, accounts, documents, name."""
    with db.transaction() as s:
        rows = ward_service.ward_overview(s, actor=None)
        for row in rows:
            w = row.ward
            click.echo(f"{w.code:<12} {w.organ_id or '-':<14} {row.users:>6} users {row.documents:>8} documents  "
                       f"{w.name}")


@wards.command("admin")
@click.argument("username")
@click.option("--revoke", is_flag=True, help="take the province administrator's rights back")
@with_app
def wards_admin(username: str, revoke: bool) -> None:
    """Make an administrator of the first ward the province administrator (who creates wards on the web)."""
    with db.transaction() as s:
        user = ward_service.set_province_admin(s, username=username, granted=not revoke)
        ward = organisation.first_ward(s)
        where = ward.name if ward else ""
    click.echo(f"{user.username} ({where}) {'is no longer' if revoke else 'is'} the province administrator.")
