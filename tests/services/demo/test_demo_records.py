"""The demo ward's file plan (R46): prepared by the clerk, approved by the chairman, the office's file open with
the issued demo documents; seeded once."""

from __future__ import annotations

from sqlalchemy import select

from docflow.models import Document, DocumentStatus, FileStatus, User, utc_now
from docflow.services import records
from docflow.services.demo import seed_demo, seed_demo_documents, seed_demo_keys
from docflow.services.demo.records import seed_demo_records


def test_R46_the_demo_ward_has_this_years_approved_plan_with_an_open_file(db_session, signing_settings, store):
    seed_demo(db_session, organisation_name="UBND phường Tích Sơn")
    seed_demo_keys(db_session, settings=signing_settings, store=store)
    seed_demo_documents(db_session, settings=signing_settings, store=store)
    clerk = db_session.execute(select(User).where(User.username == "vanthu")).scalar_one()
    year = utc_now().astimezone(signing_settings.app.zone).year
    view = records.plan_view(db_session, actor=clerk, organisation_id=clerk.organisation_id, year=year)

    assert view.plan is not None and view.plan.is_approved and view.file_count == 3
    files = {f.record.code: f for s in view.sections for f in s.files}
    issued = db_session.execute(select(Document.id).where(Document.status == DocumentStatus.ISSUED)).scalars().all()
    assert files["02.VP"].record.status is FileStatus.OPEN and files["02.VP"].documents == len(issued) > 0
    assert files["01.VP"].record.is_permanent
    users = {u.username: u for u in db_session.execute(select(User)).scalars()}
    assert seed_demo_records(db_session, users=users, tz=signing_settings.app.zone) == 0
