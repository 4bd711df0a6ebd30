"""Documents with page texts and a thread, for the search tests (services, security, web, CLI)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from docflow.models import Assignment, AssignmentRole, Contribution, Document, Opinion, OpinionKind, TextSource, User
from docflow.services.documents import DocumentFilters
from docflow.services.search import Results, search_documents
from docflow.services.textindex import store_page_text


def with_pages(session: Session, document: Document, *pages: str, source: TextSource = TextSource.LAYER) -> Document:
    for number, text in enumerate(pages, start=1):
        store_page_text(session, version=document.versions[-1], page_no=number, text=text, source=source)
    return document


def opinion(session: Session, document: Document, author: User, body: str,
            kind: OpinionKind = OpinionKind.OPINION) -> Opinion:
    row = Opinion(document_id=document.id, author_id=author.id, kind=kind, body=body)
    session.add(row)
    session.flush()
    return row


def assignment(session: Session, document: Document, leader: User, instruction: str) -> Assignment:
    row = Assignment(document_id=document.id, department_id=document.department_id, role=AssignmentRole.LEAD,
                     instruction=instruction, assigned_by_id=leader.id)
    session.add(row)
    session.flush()
    return row


def contribution(session: Session, work: Assignment, author: User, body: str) -> Contribution:
    row = Contribution(organisation_id=author.organisation_id, document_id=work.document_id, assignment_id=work.id,
                       author_id=author.id, body=body)
    session.add(row)
    session.flush()
    return row


def search(session: Session, actor: User, q: str, **filters: Any) -> Results:
    return search_documents(session, actor=actor, filters=DocumentFilters(q=q, **filters), page=1, page_size=50)


def found(session: Session, actor: User, q: str, **filters: Any) -> set[int]:
    return {hit.document.id for hit in search(session, actor, q, **filters).hits}
