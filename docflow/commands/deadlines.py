"""`docflow escalate`: escalate overdue assignments once, and remind the handlers of petitions due an apology
letter (R68), once per deadline (run it daily from cron)."""

from __future__ import annotations

import click

from docflow import appctx, db
from docflow.commands.context import each_ward, with_app
from docflow.models import utc_now
from docflow.services import ratelimit
from docflow.services.notifications import escalate_overdue
from docflow.services.petitions import remind_apologies


@click.command("escalate")
@with_app
def escalate() -> None:
    """Escalate assignments past their deadline to the department head and the leader, ask the handlers of
    petitions near their deadline for an apology letter, and drop stale rate-limit counts; safe to repeat."""
    for _ward in each_ward():   # cron's: every ward in turn, or the one --ward names
        with db.transaction() as s:
            escalated = escalate_overdue(s, settings=appctx.settings(), now=utc_now())
            reminded = remind_apologies(s, settings=appctx.settings(), now=utc_now())
        # E-mails went out after the commit above; their failures are in the log, not here.
        click.echo(f"{len(escalated)} overdue assignment(s) escalated.")
        for assignment in escalated:
            click.echo(f"  assignment {assignment.id} of document {assignment.document_id}: deadline "
                       f"{assignment.deadline.isoformat() if assignment.deadline else '-'}")
        click.echo(f"{len(reminded)} petition(s) due an apology letter: handlers reminded.")
    with db.transaction() as s:
        ratelimit.purge(s, now=utc_now())     # yesterday's counts of public callers: nothing to keep
