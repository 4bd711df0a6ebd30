"""The `docflow` command: init, demo, users, run; the other groups are in docflow.commands."""

from __future__ import annotations

import click

from docflow.commands.context import command_app, with_app

# Flask, SQLAlchemy and pyHanko are imported inside the commands that use them: `docflow verify`
# runs without a database, and its start-up time is part of its contract.


class LazyGroup(click.Group):
    """Commands in docflow.commands are imported only when run: `docflow verify` must start as fast as a
    bare pyHanko script (click's documented lazy-loading pattern)."""

    LAZY = {
        "keys": "docflow.commands.keys:keys",
        "sign": "docflow.commands.sign:sign",
        "verify": "docflow.commands.verify:verify",
        "escalate": "docflow.commands.deadlines:escalate",
        "registers": "docflow.commands.registers:registers",
        "audit": "docflow.commands.audit:audit",
        "evidence": "docflow.commands.evidence:evidence",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY:
            import importlib
            module, name = self.LAZY[cmd_name].split(":")
            command: click.Command = getattr(importlib.import_module(module), name)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup)
def main() -> None:
    """docflow: documents and digital signatures for a ward People's Committee."""


@main.command()
@with_app
def init() -> None:
    """Create or migrate the database and the organisation. Safe to run again."""
    from sqlalchemy import text

    from docflow import db, migrations
    from docflow.services.people import organisation
    from docflow.web.helpers import settings

    migrations.upgrade()
    with db.transaction() as s:
        org = organisation.ensure_organisation(s, name=settings().app.organisation_name)
        # SQLite has no statistics until ANALYZE runs; without them it picks the wrong list indexes.
        # `make run` runs init at every start, so the statistics follow the ward's growth; sampling
        # (analysis_limit) keeps that to a moment even with millions of audit events.
        if s.get_bind().dialect.name == "sqlite":
            s.execute(text("PRAGMA analysis_limit=2000"))
        s.execute(text("ANALYZE"))
    click.echo(f"docflow database is up to date for {org.name}.")


@main.command()
@with_app
def demo() -> None:
    """Seed the demo ward (departments, users for every role, registers, signing keys). Keeps existing data."""
    from docflow import db
    from docflow.services import demo as demo_service
    from docflow.web.helpers import settings, store

    with db.transaction() as s:
        accounts = demo_service.seed_demo(s, organisation_name=settings().app.organisation_name)
        issued = demo_service.seed_demo_keys(s, settings=settings(), store=store())
    documents = 0
    if settings().signing.ca == "development":
        from docflow.services.demo import seed_demo_documents
        with db.transaction() as s:
            documents = seed_demo_documents(s, settings=settings(), store=store())
    click.echo(f"Demo ward ready. Every demo account's password is: {demo_service.DEMO_PASSWORD}")
    for account in accounts:
        click.echo(f"  {account.username:<16} {account.role.value:<9} {account.full_name} — {account.post}")
    if settings().signing.ca == "development":
        click.echo(f"Signing keys ({', '.join(demo_service.DEMO_KEY_HOLDERS)}, and the organisation's key for "
                   f"the clerk vanthu) all open with the demo PIN: {demo_service.DEMO_PIN}"
                   + (f" (issued now: {', '.join(issued)})" if issued else ""))
    if documents:
        click.echo(f"{documents} demo documents walked through the incoming and outgoing flows.")
    if settings().signing.ca == "development":
        from docflow.services.audit.checkpoints import checkpointer_of, create_checkpoint
        with db.transaction() as s:
            checkpointer = checkpointer_of(s)
            checkpoint = create_checkpoint(s, checkpointer=checkpointer) if checkpointer else None
        if checkpoint is not None:
            click.echo(f"The audit log is signed up to event #{checkpoint.seq} (checkpoint by the system key).")


@main.group()
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
    from docflow import db
    from sqlalchemy import select

    from docflow.models import Department, Role
    from docflow.services.people import organisation
    from docflow.services.people import UserInput, create_user

    with db.transaction() as s:
        dept_id = None
        if department_code:
            dept_id = s.execute(select(Department.id).where(Department.code == department_code)).scalar()
            if dept_id is None:
                raise click.ClickException(f"no department with code {department_code}")
        user = create_user(s, actor=None, organisation=organisation.get_organisation(s), password=password,
                           data=UserInput(username=username, full_name=full_name, role=Role(role), post=post,
                                          department_id=dept_id))
    click.echo(f"Created {user.username} ({user.role.value}).")


@users.command("list")
@with_app
def users_list() -> None:
    """List accounts."""
    from docflow import db
    from docflow.services.people import list_users

    for user in list_users(db.get_session()):
        dept = user.department.code if user.department else "-"
        state = "active" if user.is_active else "inactive"
        click.echo(f"{user.username:<20} {user.role.value:<9} {dept:<6} {state:<8} {user.full_name}")


@users.command("deactivate")
@click.argument("username")
@with_app
def users_deactivate(username: str) -> None:
    """Deactivate an account: it can no longer sign in."""
    from docflow import db
    from docflow.services.people import find_user_by_username, set_user_active

    with db.transaction() as s:
        user = find_user_by_username(s, username)
        if user is None:
            raise click.ClickException(f"no user named {username}")
        set_user_active(s, actor=None, user_id=user.id, active=False)
    click.echo(f"{username} can no longer sign in.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def run(host: str, port: int, threads: int) -> None:
    """Serve docflow with waitress."""
    import logging

    import waitress

    from docflow import migrations

    app = command_app()
    with app.app_context():
        if not migrations.is_current():
            raise click.ClickException("the database is missing or out of date: run `docflow init` first")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo(f"docflow is serving on http://{host}:{port}/")
    waitress.serve(app, host=host, port=port, threads=threads, ident="docflow")


if __name__ == "__main__":
    main()
