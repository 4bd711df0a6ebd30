"""Refusals of the job queue's page (issue 16 §2): the queued jobs (their errors may name documents and
partners) are for the clerk, the auditor and the administrator of the ward only; another ward's jobs are never
listed; nothing of a job but its id goes to the broker (tests/queue/test_queued_jobs.py checks the message)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from docflow import jobqueue
from docflow.errors import PermissionDeniedError
from docflow.models import Organisation, Role, User
from docflow.services.jobs import queued
from docflow.services.people.organisation import create_ward

pytestmark = pytest.mark.usefixtures("app_ctx")


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.HEAD, Role.LEADER])
def test_other_roles_may_not_read_the_queue(db_session: Session, make_user: Any, role: Role) -> None:
    with pytest.raises(PermissionDeniedError):
        queued.ward_jobs(db_session, actor=make_user(role))


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.LEADER])
def test_the_page_refuses_them_too(client: Any, make_user: Any, role: Role) -> None:
    client.login(make_user(role))
    assert client.get("/admin/queue/").status_code in (403, 404)


def test_another_wards_jobs_are_never_listed(app: Flask, db_session: Session, org: Organisation,
                                             make_user: Any) -> None:
    other = create_ward(db_session, name="UBND phường Bên Cạnh", code="BENCANH")
    theirs = jobqueue.create(db_session, kind="ocr.read", organisation_id=other.id)
    ours = jobqueue.create(db_session, kind="ocr.read", organisation_id=org.id)
    clerk: User = make_user(Role.CLERK)
    listed = {job.id for job in queued.ward_jobs(db_session, actor=clerk)}
    assert ours is not None and theirs is not None
    assert ours.id in listed and theirs.id not in listed
