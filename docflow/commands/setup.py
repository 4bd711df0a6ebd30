"""`docflow init` and `docflow demo`: the database, the organisation and the demo ward."""

from __future__ import annotations

import click
from sqlalchemy import text

from docflow import appctx, db, migrations, wards
from docflow.commands.context import with_app
from docflow.errors import ConfigurationError
from docflow.commands.textindex import reindex
from docflow.config import Settings
from docflow.services import demo as demo_service
from docflow.services.demo import DEMO_WARDS
from docflow.services.demo import exchange as demo_exchange
from docflow.services.people import organisation
from docflow.services.audit.checkpoints import checkpointer_of, create_checkpoint
from docflow.services.demo import seed_demo_documents
from docflow.storage import DocumentStore


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
@click.option("--wards", "ward_count", type=click.IntRange(1, len(DEMO_WARDS)), default=1, show_default=True,
              help="How many wards: 3 is the province demo (wards 2 and 3 prefix the accounts: w2.vanthu).")
@with_app
def demo(ward_count: int) -> None:
    """Seed the demo ward (departments, users for every role, registers, signing keys). Keeps existing data.
    With --wards 3, two more wards of the same province, each with its own accounts, keys and documents."""
    settings, store = appctx.settings(), appctx.store()
    development = settings.signing.ca == "development"
    ward_ids = []
    for spec in DEMO_WARDS[:ward_count]:
        with db.transaction() as s:
            org, accounts = demo_service.seed_demo_ward(s, settings=settings, ward=spec)
            ward_ids.append(org.id)
            title = org.name if ward_count > 1 else ""
        with wards.acting_for(ward_ids[-1]):
            _seed_ward(settings, store, spec, accounts, title=title, development=development)
    if ward_count > 1:
        with db.transaction() as s:
            partners = demo_exchange.partner_demo_wards(s, settings=settings,
                                                        codes=[w.code for w in DEMO_WARDS[:ward_count]])
        with wards.acting_for(ward_ids[0]), db.transaction() as s:   # the account is the first ward's
            province_admin = demo_service.seed_province_admin(s)
        click.echo(f"\nThe province administrator {province_admin} (password {demo_service.DEMO_PASSWORD}) "
                   f"creates wards on /province/wards.")
        if partners:
            click.echo(f"The wards exchange documents with each other ({partners} partner record(s) added).")


def _seed_ward(settings: Settings, store: DocumentStore, spec: demo_service.DemoWard,
               accounts: list[demo_service.DemoAccount], *, title: str, development: bool) -> None:
    """One demo ward's keys, documents, text index and signed log, bound to it (docflow.wards)."""
    with db.transaction() as s:
        issued = demo_service.seed_demo_keys(s, settings=settings, store=store, prefix=spec.prefix)
    documents = 0
    if development:
        with db.transaction() as s:
            documents = seed_demo_documents(s, settings=settings, store=store)
    if title:
        click.echo(f"\n== {title} (docflow --ward {spec.code}) ==")
    click.echo(f"Demo ward ready. Every demo account's password is: {demo_service.DEMO_PASSWORD}")
    for account in accounts:
        click.echo(f"  {account.username:<16} {account.role.value:<9} {account.full_name} — {account.post}")
    if development:
        holders = ", ".join(spec.prefix + h for h in demo_service.DEMO_KEY_HOLDERS)
        click.echo(f"Signing keys ({holders}, and the organisation's key for "
                   f"the clerk {spec.prefix}vanthu) all open with the demo PIN: {demo_service.DEMO_PIN}"
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
