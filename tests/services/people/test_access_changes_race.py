"""Two leaders confirming overlapping sets of proposals at once (real transactions, PostgreSQL): both end
without a deadlock, one batch wins and the other is refused whole, and no change is confirmed twice."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.models import AuditEvent, Confidentiality, Department, DocumentKind, User
from docflow.services import documents as doc_service
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.services.people import access_changes
from tests.conftest import is_postgres, pdf_bytes
from tests.racing import label, race

pytestmark = pytest.mark.skipif(not is_postgres(), reason="real concurrent transactions need PostgreSQL")

ROUNDS = 3


def _user(s: Session, username: str) -> User:
    return s.execute(select(User).where(User.username == username)).scalar_one()


def _proposed_lowerings(committed_app, n: int) -> list[int]:
    """``n`` secret documents, each with a lowering the chairman proposed; the proposals' seqs, in order."""
    engine = committed_app.extensions["docflow.engine"]
    store = committed_app.extensions["docflow.store"]
    seqs = []
    with Session(engine) as s, s.begin():
        chairman = _user(s, "chutich")
        office = s.execute(select(Department.id).where(Department.code == "VP")).scalar_one()
        for i in range(n):
            data = DocumentInput(kind=DocumentKind.INTERNAL, doc_type="cong_van", summary=f"Mật {i}",
                                 department_id=office, issuing_body="UBND", confidentiality=Confidentiality.SECRET)
            document = doc_service.upload_document(
                s, actor=chairman, store=store, max_bytes=10 ** 6, data=data,
                upload=UploadedFile(io.BytesIO(pdf_bytes(f"secret-{i}")), "mat.pdf"))
            lowered = DocumentInput(kind=data.kind, doc_type=data.doc_type, summary=data.summary,
                                    department_id=office, issuing_body=data.issuing_body,
                                    confidentiality=Confidentiality.NORMAL)
            doc_service.edit_metadata(s, actor=chairman, document_id=document.id, data=lowered,
                                      expected_row_version=document.row_version)
            seqs.append(s.execute(select(func.max(AuditEvent.seq))).scalar_one())
    return seqs


def _confirm(username: str, seqs: list[int]) -> Callable[[Session], object]:
    return lambda s: access_changes.confirm_changes(s, actor=_user(s, username), seqs=seqs)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_leaders_confirming_overlapping_proposals_both_end_and_each_is_confirmed_once(committed_app,
                                                                                        round_):
    first, shared, last = _proposed_lowerings(committed_app, 3)
    engine = committed_app.extensions["docflow.engine"]
    batches = {"phochutich1": [first, shared], "phochutich2": [shared, last]}

    outcomes = race(engine, [_confirm(name, seqs) for name, seqs in batches.items()], timeout=60)

    labels = sorted(label(o) for o in outcomes)
    assert len(labels) == 2 and labels[0] == "ok" and labels[1].startswith("refused: "), labels
    with Session(engine) as s:
        confirmed = list(s.execute(select(AuditEvent.object_id).where(
            AuditEvent.action == "access_change.confirmed",
            AuditEvent.object_id.in_([str(q) for q in (first, shared, last)]))).scalars())
    assert sorted(confirmed).count(str(shared)) == 1 and len(confirmed) == len(set(confirmed)) == 2
    assert {int(q) for q in confirmed} in ({first, shared}, {shared, last})
