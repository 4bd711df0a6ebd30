"""Batch signing as a job: started through one app process and polled through another on the same
database (the progress lives in the job's row, not in the memory of the process that runs it), and the
PIN checked when the batch starts."""

from __future__ import annotations

import io
from collections.abc import Iterator
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from docflow import db
from docflow.models import Job, JobStatus, Organisation, User
from docflow.services import outgoing
from docflow.services.demo import DEMO_PASSWORD, DEMO_PIN, seed_demo, seed_demo_keys
from docflow.services.documents import UploadedFile
from docflow.services.formatcheck.settings import seed_warning_only
from tests.conftest import WebClient, make_test_app, pdf_bytes


@pytest.fixture(scope="module")
def two_apps(database_factory: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Flask]]:
    """Two app processes of one ward: one database, one data directory (store and keys)."""
    url, data = database_factory("jobs"), tmp_path_factory.mktemp("jobs-data")
    first, second = make_test_app(url, data), make_test_app(url, data)
    with first.app_context(), db.transaction() as s:
        seed_demo(s, organisation_name="UBND phường Tích Sơn")
        # The batch signs tiny PDFs that are no Annex I page: the format check only warns in this ward.
        seed_warning_only(s, organisation_id=s.execute(select(Organisation.id)).scalar_one())
        seed_demo_keys(s, settings=first.extensions["docflow.settings"], store=first.extensions["docflow.store"])
    yield first, second
    for application in (first, second):
        application.extensions["docflow.engine"].dispose()


def _awaiting_signature(app: Flask, n: int) -> list[int]:
    """``n`` committed drafts of chuyenvien.vp sent straight to phochutich1's signature."""
    settings, store = app.extensions["docflow.settings"], app.extensions["docflow.store"]
    ids = []
    with app.app_context(), db.transaction() as s:
        drafter = s.execute(select(User).where(User.username == "chuyenvien.vp")).scalar_one()
        signer = s.execute(select(User).where(User.username == "phochutich1")).scalar_one()
        for i in range(n):
            document = outgoing.create_draft(
                s, actor=drafter, store=store, max_bytes=10 ** 7, settings=settings,
                data=outgoing.DraftInput(doc_type="thong_bao", summary=f"Thông báo số {i}", signer_id=signer.id),
                upload=UploadedFile(io.BytesIO(pdf_bytes()), "tb.pdf"))
            outgoing.start_route(s, actor=drafter, document_id=document.id, store=store, reviewer_ids=[])
            ids.append(document.id)
    return ids


def _client(app: Flask, username: str) -> WebClient:
    client = WebClient(app.test_client())
    assert client.login(username, DEMO_PASSWORD).status_code == 302
    return client


def test_a_batch_started_through_one_process_is_polled_through_another(two_apps):
    first, second = two_apps
    ids = _awaiting_signature(first, 2)
    starter, poller = _client(first, "phochutich1"), _client(second, "phochutich1")

    response = starter.post("/outgoing/batch", {"documents": [f"{i}:2" for i in ids], "pin": DEMO_PIN},
                            buffered=True)
    assert response.status_code == 302
    job_id = response.location.rsplit("/", 1)[1]
    early = poller.get(f"/outgoing/batch/{job_id}?format=json")
    assert early.status_code == 200 and early.get_json()["total"] == 2
    assert first.extensions["docflow.jobs"].wait(job_id, timeout=120)

    state = poller.get(f"/outgoing/batch/{job_id}?format=json").get_json()
    assert state["done"] and state["signed"] == 2 and [r["ok"] for r in state["results"]] == [True, True]
    html = poller.get(f"/outgoing/batch/{job_id}").get_data(as_text=True)
    assert html.count('data-ok="true"') == 2 and 'data-done="true"' in html
    assert "docflow.jobs" not in second.extensions    # nothing ran in the second process
    assert _client(second, "chutich").get(f"/outgoing/batch/{job_id}").status_code == 404


def test_a_wrong_pin_is_refused_when_the_batch_starts_and_the_selection_comes_back_with_the_reason(two_apps):
    first, second = two_apps
    ids = _awaiting_signature(first, 2)
    client = _client(first, "phochutich2")
    signer = _client(second, "phochutich1")

    response = signer.post("/outgoing/batch", {"documents": [f"{ids[1]}:2"], "pin": "000000"}, buffered=True)
    # issue 13: back to the selection, the chosen document still ticked and the other not, the reason once
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'data-testid="batch-form"' in html
    assert re.search(rf'value="{ids[1]}:2" id="b-{ids[1]}" checked', html)
    assert re.search(rf'value="{ids[0]}:2" id="b-{ids[0]}" >', html)
    assert html.count('data-testid="batch-error"') == 1 and "PIN" in html and 'class="alert' not in html
    with first.app_context():
        job_id = db.get_session().execute(select(Job.id).where(Job.status == JobStatus.FAILED)
                                          .order_by(Job.created_at.desc())).scalars().first()

    state = signer.get(f"/outgoing/batch/{job_id}?format=json").get_json()
    assert state["done"] and state["results"] == [] and "PIN" in state["error"]
    assert "docflow.jobs" not in second.extensions or job_id not in second.extensions["docflow.jobs"].running
    with first.app_context():
        job = db.get_session().get(Job, job_id)
        assert job is not None and job.status is JobStatus.FAILED and "000000" not in str(job.error)
    assert client.get(f"/outgoing/batch/{job_id}").status_code == 404
