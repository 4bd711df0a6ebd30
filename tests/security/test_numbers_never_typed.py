"""An outgoing document's number and symbol are never typed: only issuing assigns them (Decree 30, Art. 15.2;
rule R12), and the database refuses a number given twice in a register's year and series (R10)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docflow.errors import ValidationError
from docflow.models import Document, DocumentKind, DocumentStatus, Organisation, RegisterKind, Role, User, utc_now
from docflow.services import documents as doc_service
from docflow.services import registers
from docflow.services.documents import DocumentInput, UploadedFile
from tests.conftest import is_postgres, pdf_bytes
from tests.racing import race

YEAR = 2098   # a register no other test of the committed database touches


def _outgoing(**fields: Any) -> DocumentInput:
    fields.setdefault("summary", "Về việc khen thưởng")
    return DocumentInput(kind=DocumentKind.OUTGOING, doc_type="quyet_dinh", department_id=None, **fields)


def test_r12_an_outgoing_upload_with_a_typed_number_is_refused(db_session, make_user, store):
    with pytest.raises(ValidationError) as refused:
        doc_service.upload_document(db_session, actor=make_user(Role.OFFICIAL), store=store, max_bytes=10 ** 7,
                                    data=_outgoing(number_symbol="03/QĐ-UBND"),
                                    upload=UploadedFile(io.BytesIO(pdf_bytes()), "qd.pdf"))
    assert refused.value.field == "number_symbol"


def test_r12_a_metadata_edit_cannot_type_an_outgoing_number(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    document = make_document(clerk, kind=DocumentKind.OUTGOING, doc_type="quyet_dinh")
    data = _outgoing(summary=document.summary, number_symbol="03/QĐ-UBND")
    with pytest.raises(ValidationError) as refused:
        doc_service.edit_metadata(db_session, actor=clerk, document_id=document.id, data=data,
                                  expected_row_version=document.row_version)
    assert refused.value.field == "number_symbol" and document.number_symbol is None


def test_r12_an_issued_number_is_kept_when_the_form_leaves_it_out(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    document = make_document(clerk, kind=DocumentKind.OUTGOING, doc_type="quyet_dinh")
    document.number_symbol = "07/QĐ-UBND"     # as issuing would have set it
    db_session.flush()
    doc_service.edit_metadata(db_session, actor=clerk, document_id=document.id,
                              data=_outgoing(summary="Về việc khen thưởng tập thể"),
                              expected_row_version=document.row_version)
    assert document.number_symbol == "07/QĐ-UBND"


def test_r12_the_outgoing_edit_form_has_no_number_field(client, make_user, make_document):
    official = make_user(Role.OFFICIAL)
    document = make_document(official, kind=DocumentKind.OUTGOING)
    client.login(official)
    html = client.get(f"/documents/{document.id}/edit").get_data(as_text=True)
    assert 'name="number_symbol"' not in html
    row_version = re.search(r'name="row_version" value="(\d+)"', html).group(1)
    response = client.post(f"/documents/{document.id}/edit", {
        "doc_type": "cong_van", "summary": document.summary, "number_symbol": "09/UBND-VP", "urgency": "normal",
        "confidentiality": "normal", "row_version": row_version})
    assert response.status_code == 400


def test_r10_the_database_refuses_a_number_given_twice_in_a_register_and_series(db_session, make_user, org):
    clerk = make_user(Role.CLERK)
    register, number = registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=YEAR)

    def issued(symbol: str) -> Document:
        return Document(organisation_id=org.id, kind=DocumentKind.OUTGOING, doc_type="quyet_dinh", summary="x",
                        number_symbol=symbol, status=DocumentStatus.ISSUED, register_id=register.id,
                        register_number=number, issued_at=utc_now(), created_by_id=clerk.id)
    db_session.add(issued(f"{number:02d}/QĐ-UBND"))
    db_session.flush()
    with pytest.raises(IntegrityError):
        with db_session.begin_nested():
            db_session.add(issued(f"{number:02d}/TB-UBND"))
            db_session.flush()


def _issue_one(symbol: str) -> Any:
    def action(s: Session) -> int:
        org = s.execute(select(Organisation)).scalar_one()
        clerk_id = s.execute(select(User.id).where(User.username == "vanthu")).scalar_one()
        register, number = registers.take_number(s, organisation=org, kind=RegisterKind.OUTGOING, year=YEAR)
        s.add(Document(organisation_id=org.id, kind=DocumentKind.OUTGOING, doc_type="quyet_dinh", summary=symbol,
                       number_symbol=f"{number:02d}/{symbol}", status=DocumentStatus.ISSUED,
                       register_id=register.id, register_number=number, issued_at=utc_now(), created_by_id=clerk_id))
        s.flush()
        return number
    return action


@pytest.mark.skipif(not is_postgres(), reason="real concurrent transactions need PostgreSQL")
def test_r10_two_concurrent_issues_never_get_the_same_number(committed_app):
    engine = committed_app.extensions["docflow.engine"]
    for _ in range(3):
        outcomes = race(engine, [_issue_one("QĐ-UBND"), _issue_one("TB-UBND")], timeout=60)
        assert all(isinstance(o, int) for o in outcomes), outcomes
        assert len(set(outcomes)) == 2
    with Session(engine) as s:
        numbers = list(s.execute(select(Document.register_number).join(
            registers.Register, registers.Register.id == Document.register_id)
            .where(registers.Register.year == YEAR)).scalars())
    assert sorted(numbers) == list(range(1, 7))
