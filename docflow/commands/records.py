"""`docflow records plan|copy-plan|appraisal`: the ward's file plan of a year, starting a year's plan from
another's, and the files whose retention has ended (the appraisal list), read as the system sees them."""

from __future__ import annotations

import json
from typing import Any

import click

from docflow import appctx, db
from docflow.commands.context import with_app
from docflow.config import local_date
from docflow.models import utc_now
from docflow.services import records
from docflow.services.people import find_user_by_username, organisation


@click.group("records")
def records_group() -> None:
    """The ward's records (hồ sơ): the file plan, and the files due for appraisal."""


@records_group.command("plan")
@click.option("--year", type=click.IntRange(1900, 9999), required=True)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text")
@with_app
def plan(year: int, as_json: bool) -> None:
    """The file plan of a year: headings, and under each its files (code, title, retention, status)."""
    session = db.get_session()
    ward = organisation.get_organisation(session)
    view = records.plan_view(session, actor=None, organisation_id=ward.id, year=year)
    data = records.plan_json(view, ward)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(_plan_text(data))


def _plan_text(data: dict[str, Any]) -> str:
    if not data["exists"]:
        return f"No file plan for {data['year']}."
    approved = f"approved {data['approved_at'][:10]} by {data['approved_by']}" if data["approved_at"] \
        else "not approved yet"
    lines = [f"{data['organisation']} · file plan {data['year']} · {approved}"]
    for n, heading in enumerate(data["headings"], start=1):
        lines.append(f"{n}. {heading['title']}" + (f" [{heading['department']}]" if heading["department"] else ""))
        for f in heading["files"]:
            lines.append(f"   {f['code']:<20} {f['title']} · {f['retention']} · {f['status_vi']} · "
                         f"{f['documents']} văn bản")
    return "\n".join(lines)


@records_group.command("copy-plan")
@click.option("--from", "from_year", type=click.IntRange(1900, 9999), required=True)
@click.option("--to", "to_year", type=click.IntRange(1900, 9999), required=True)
@click.option("--user", "username", required=True, help="the clerk or leader who starts the plan")
@with_app
def copy_plan(from_year: int, to_year: int, username: str) -> None:
    """Start a year's file plan from another year's: its headings and file entries, no documents."""
    with db.transaction() as s:
        actor = find_user_by_username(s, username)
        if actor is None:
            raise click.ClickException(f"no user named {username}")
        target = records.copy_plan(s, actor=actor, from_year=from_year, to_year=to_year)
        view = records.plan_view(s, actor=None, organisation_id=target.organisation_id, year=to_year)
    click.echo(f"Started the {to_year} file plan from {from_year}: {len(view.sections)} headings, "
               f"{view.file_count} files.")


@records_group.command("appraisal")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text")
@with_app
def appraisal(as_json: bool) -> None:
    """Closed files whose retention has ended (never the permanent ones), oldest first."""
    session = db.get_session()
    ward = organisation.get_organisation(session)
    today = local_date(appctx.settings(), utc_now())
    due = records.due_for_appraisal(session, organisation_id=ward.id, today=today)
    rows = [{"id": d.record.id, "year": d.record.heading.plan.year, "code": d.record.code, "title": d.record.title,
             "retention_years": d.record.retention_years, "end_date": d.record.end_date.isoformat()
             if d.record.end_date else None, "retention_ended": d.due_on.isoformat()} for d in due]
    if as_json:
        click.echo(json.dumps({"today": today.isoformat(), "files": rows}, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No file is due for appraisal.")
    for row in rows:
        click.echo(f"{row['year']} {row['code']:<20} {row['title']} · {row['retention_years']} năm · "
                   f"hết hạn {row['retention_ended']}")
