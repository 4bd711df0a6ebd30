"""`docflow users …`: create, list and deactivate accounts."""

from __future__ import annotations

import click
from sqlalchemy import select

from docflow import db
from docflow.commands.context import with_app
from docflow.models import Department, Role
from docflow.services.people import organisation
from docflow.services.people import UserInput, create_user, find_user_by_username, list_users, set_user_active


@click.group()
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.argument("username")
@click.option("--full-name", required=True)
@click.option("--role", type=click.Choice(["clerk", "official", "head", "leader", "auditor", "admin"]),
              required=True)
@click.option("--post", default="")
@click.option("--department", "department_code", default=None, help="department code, e.g. VP")
@click.password_option(help="prompted twice when not given")
@with_app
def users_create(username: str, full_name: str, role: str, post: str, department_code: str | None,
                 password: str) -> None:
    """Create a user account."""
    with db.transaction() as s:
        ward = organisation.get_organisation(s)   # the one ward, or the one `docflow --ward CODE` names
        dept_id = None
        if department_code:
            dept_id = s.execute(select(Department.id).where(Department.organisation_id == ward.id,
                                                            Department.code == department_code)).scalar()
            if dept_id is None:
                raise click.ClickException(f"no department with code {department_code} in {ward.name}")
        user = create_user(s, actor=None, organisation=ward, password=password,
                           data=UserInput(username=username, full_name=full_name, role=Role(role), post=post,
                                          department_id=dept_id))
    click.echo(f"Created {user.username} ({user.role.value}) in {ward.name}.")


@users.command("list")
@with_app
def users_list() -> None:
    """List the ward's accounts."""
    ward = organisation.get_organisation(db.get_session())   # several wards: `docflow --ward CODE users list`
    for user in (u for u in list_users(db.get_session()) if u.organisation_id == ward.id):
        dept = user.department.code if user.department else "-"
        state = "active" if user.is_active else "inactive"
        click.echo(f"{user.username:<20} {user.role.value:<9} {dept:<6} {state:<8} {user.full_name}")


@users.command("deactivate")
@click.argument("username")
@with_app
def users_deactivate(username: str) -> None:
    """Deactivate an account: it can no longer sign in."""
    with db.transaction() as s:
        user = find_user_by_username(s, username)
        if user is None:
            raise click.ClickException(f"no user named {username}")
        set_user_active(s, actor=None, user_id=user.id, active=False)
    click.echo(f"{username} can no longer sign in.")
