"""Two people acting on the same document at once: one wins, the other gets a clear refusal."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.models import DocumentVersion, User
from docflow.services import documents as doc_service
from docflow.services.documents import UploadedFile
from tests.conftest import is_postgres, pdf_bytes
from tests.racing import label, race

pytestmark = pytest.mark.skipif(not is_postgres(), reason="real concurrent transactions need PostgreSQL")


@pytest.fixture
def committed_document(committed_app):
    """A document committed for real (the threads need to see it)."""
    engine = committed_app.extensions["docflow.engine"]
    store = committed_app.extensions["docflow.store"]
    with Session(engine) as s, s.begin():
        clerk = s.execute(select(User).where(User.username == "vanthu")).scalar_one()
        from docflow.models import DocumentKind
        from docflow.services.documents import DocumentInput
        doc = doc_service.upload_document(
            s, actor=clerk, store=store, max_bytes=10 ** 6,
            data=DocumentInput(kind=DocumentKind.INTERNAL, doc_type="cong_van", summary="Tranh chấp",
                               department_id=None, issuing_body="UBND"),
            upload=UploadedFile(io.BytesIO(pdf_bytes("race")), "race.pdf"))
        return doc.id, clerk.id, doc.row_version


def test_two_new_versions_from_the_same_page_one_wins_one_is_refused(committed_app, committed_document):
    document_id, clerk_id, row_version = committed_document
    engine = committed_app.extensions["docflow.engine"]
    store = committed_app.extensions["docflow.store"]
    def add_as_racer(n: int) -> Callable[[Session], object]:
        return lambda s: doc_service.add_version(
            s, actor=s.get(User, clerk_id), document_id=document_id, store=store, max_bytes=10 ** 6,
            expected_row_version=row_version, upload=UploadedFile(io.BytesIO(pdf_bytes(f"racer-{n}")), "v.pdf"))

    outcomes = [label(o) for o in race(engine, [add_as_racer(n) for n in range(2)])]
    assert sorted(outcomes) == ["conflict", "ok"]
    with Session(engine) as s:
        numbers = s.execute(select(DocumentVersion.number).where(DocumentVersion.document_id == document_id)
                            ).scalars().all()
        assert sorted(numbers) == [1, 2]
