"""Two people acting on the same outgoing step at once, in real concurrent transactions on PostgreSQL:
one wins, the other is told someone acted first, and nothing is lost or doubled (one number, one signature)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.errors import InvalidTransitionError
from docflow.models import Document, DocumentStatus, Register, RegisterKind, Role, Signature, User, utc_now
from docflow.services import outgoing
from docflow.services.outgoing import issuing
from docflow.services import signatures as signing_service
from docflow.services.demo import DEMO_PIN, seed_demo_keys
from docflow.services.documents import UploadedFile
from docflow.services.people import UserInput, create_user
from tests.conftest import is_postgres, pdf_bytes
from tests.racing import label, race

pytestmark = pytest.mark.skipif(not is_postgres(), reason="real concurrent transactions need PostgreSQL")


@pytest.fixture(scope="module")
def ward(committed_app) -> dict[str, Any]:
    """The demo ward with its signing keys and a second clerk, committed."""
    engine = committed_app.extensions["docflow.engine"]
    settings = committed_app.extensions["docflow.settings"]
    store = committed_app.extensions["docflow.store"]
    with Session(engine) as s, s.begin():
        seed_demo_keys(s, settings=settings, store=store)
        vanthu = s.execute(select(User).where(User.username == "vanthu")).scalar_one()
        if s.execute(select(User).where(User.username == "vanthu2")).scalar_one_or_none() is None:
            create_user(s, actor=None, organisation=vanthu.organisation, password="Another-clerk-2026",
                        data=UserInput(username="vanthu2", full_name="Vũ Thị Hạnh", role=Role.CLERK, post="Văn thư",
                                       department_id=vanthu.department_id))
    return {"engine": engine, "settings": settings, "store": store}


def _user(s: Session, username: str) -> User:
    return s.execute(select(User).where(User.username == username)).scalar_one()


def _routed(ward: dict[str, Any], *, signed: bool) -> int:
    """A committed draft of chuyenvien.vp on its route (reviewed by truongvp), signed by phochutich1 if asked."""
    with Session(ward["engine"]) as s, s.begin():
        drafter, leader = _user(s, "chuyenvien.vp"), _user(s, "phochutich1")
        document = outgoing.create_draft(
            s, actor=drafter, store=ward["store"], max_bytes=10 ** 7, settings=ward["settings"],
            data=outgoing.DraftInput(doc_type="thong_bao", summary="Thông báo lịch tiếp dân", signer_id=leader.id),
            upload=UploadedFile(io.BytesIO(pdf_bytes()), "tb.pdf"))
        outgoing.start_route(s, actor=drafter, document_id=document.id, store=ward["store"])
        if signed:
            step = outgoing.active_step(s, document.id)
            outgoing.approve_step(s, actor=_user(s, "truongvp"), document_id=document.id, step_id=step.id)
            step = outgoing.active_step(s, document.id)
            outgoing.sign_step(s, actor=leader, settings=ward["settings"], store=ward["store"],
                               document_id=document.id, step_id=step.id, pin=DEMO_PIN, expected_version=None)
        return document.id


def _last_number(ward: dict[str, Any]) -> int:
    """The last number of this year's outgoing register (the numbering race fills a register of its own year)."""
    year = signing_service.local_today(ward["settings"], utc_now()).year
    with Session(ward["engine"]) as s:
        return s.execute(select(func.coalesce(func.max(Register.last_number), 0))
                         .where(Register.kind == RegisterKind.OUTGOING, Register.year == year)).scalar_one()


def test_two_clerks_issuing_the_same_document_at_once_take_one_number_and_one_seal(ward):
    document_id = _routed(ward, signed=True)
    before = _last_number(ward)

    def issue_as(username: str) -> Callable[[Session], Any]:
        return lambda s: issuing.issue_document(s, actor=_user(s, username), settings=ward["settings"],
                                                store=ward["store"], document_id=document_id, pin=DEMO_PIN)

    outcomes = [label(o) for o in race(ward["engine"], [issue_as("vanthu"), issue_as("vanthu2")])]
    assert sorted(o.split(":")[0] for o in outcomes) == ["ok", "refused"], outcomes
    assert _last_number(ward) == before + 1
    with Session(ward["engine"]) as s:
        document = s.get(Document, document_id)
        assert document.status is DocumentStatus.ISSUED and document.register_number == before + 1
        seals = s.execute(select(func.count()).select_from(Signature).where(
            Signature.document_id == document_id, Signature.kind == "organisation")).scalar_one()
        assert seals == 1


def test_a_double_submitted_approval_is_decided_once(ward):
    document_id = _routed(ward, signed=False)
    with Session(ward["engine"]) as s:
        step_id = outgoing.active_step(s, document_id).id

    def approve(s: Session) -> Any:
        return outgoing.approve_step(s, actor=_user(s, "truongvp"), document_id=document_id, step_id=step_id)

    outcomes = [label(o) for o in race(ward["engine"], [approve, approve])]
    assert sorted(o.split(":")[0] for o in outcomes) == ["ok", "refused"], outcomes
    assert any("has already acted on this step" in o for o in outcomes)
    with Session(ward["engine"]) as s:
        steps = outgoing.steps_of(s, document_id)
        assert [st.status.value for st in steps] == ["approved", "active", "waiting"]
        assert s.get(Document, document_id).status is DocumentStatus.AWAITING_SIGNATURE
