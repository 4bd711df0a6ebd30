"""`docflow init` and `docflow demo`: the database, the organisation and the demo ward."""

from __future__ import annotations

import click
from sqlalchemy import text

from docflow import appctx, db, migrations
from docflow.commands.context import with_app
from docflow.errors import ConfigurationError
from docflow.commands.textindex import reindex
from docflow.services import demo as demo_service
from docflow.services.people import organisation
from docflow.services.audit.checkpoints import checkpointer_of, create_checkpoint
from docflow.services.demo import seed_demo_documents


@click.command()
@click.option("--organ-id", default="", help="The ward's organ identifier (mã định danh), e.g. 000.00.00.H41.")
@with_app
def init(organ_id: str) -> None:
    """Create or migrate the database and the organisation. Safe to run again."""
    settings = appctx.settings()
    migrations.upgrade()
    with db.transaction() as s:
        org = organisation.ensure_organisation(s, name=settings.app.organisation_name)
        # The option wins; else the configuration fills an identifier the ward does not have yet.
        given = organ_id or (settings.app.organ_id if not org.organ_id else "")
        if given:
            organisation.set_organ_id(s, org=org, organ_id=given)
        # SQLite has no statistics until ANALYZE runs; without them it picks the wrong list indexes.
        # `make run` runs init at every start, so the statistics follow the ward's growth; sampling
        # (analysis_limit) keeps that to a moment even with millions of audit events.
        if s.get_bind().dialect.name == "sqlite":
            s.execute(text("PRAGMA analysis_limit=2000"))
        s.execute(text("ANALYZE"))
    click.echo(f"docflow database is up to date for {org.name}"
               + (f" ({org.organ_id})." if org.organ_id else "."))


@click.command()
@with_app
def demo() -> None:
    """Seed the demo ward (departments, users for every role, registers, signing keys). Keeps existing data."""
    settings, store = appctx.settings(), appctx.store()
    with db.transaction() as s:
        accounts = demo_service.seed_demo(s, organisation_name=settings.app.organisation_name)
        issued = demo_service.seed_demo_keys(s, settings=settings, store=store)
    development = settings.signing.ca == "development"
    documents = 0
    if development:
        with db.transaction() as s:
            documents = seed_demo_documents(s, settings=settings, store=store)
    click.echo(f"Demo ward ready. Every demo account's password is: {demo_service.DEMO_PASSWORD}")
    for account in accounts:
        click.echo(f"  {account.username:<16} {account.role.value:<9} {account.full_name} — {account.post}")
    if development:
        click.echo(f"Signing keys ({', '.join(demo_service.DEMO_KEY_HOLDERS)}, and the organisation's key for "
                   f"the clerk vanthu) all open with the demo PIN: {demo_service.DEMO_PIN}"
                   + (f" (issued now: {', '.join(issued)})" if issued else ""))
    if documents:
        click.echo(f"{documents} demo documents walked through the incoming and outgoing flows.")
    # Uploads read their text as they go; this catches anything stored before (a ward seeded by an older docflow).
    indexed = reindex(verbose=False)
    if indexed:
        click.echo(f"{indexed} earlier document(s) indexed for full-text search.")
    if development:
        _sign_the_demo_log()


def _sign_the_demo_log() -> None:
    """Sign each ward's chain (in a province demo, the wards without a system key yet are left for their first
    checkpoint)."""
    every = organisation.list_wards(db.get_session())
    for ward in every:
        try:
            with db.transaction() as s:
                checkpointer = checkpointer_of(s)
                checkpoint = (create_checkpoint(s, checkpointer=checkpointer, organisation_id=ward.id)
                              if checkpointer else None)
        except ConfigurationError:
            if len(every) == 1:
                raise
            continue
        if checkpoint is not None:
            whose = f" of {ward.name}" if len(every) > 1 else ""
            click.echo(f"The audit log{whose} is signed up to event #{checkpoint.seq} (checkpoint by the system key).")
