"""Who may see and change which document, in Python (``can_view``) and in SQL (``visible_filter``, for lists).
Every document service calls these; views never decide."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import object_session

from docflow.models import Confidentiality, Document, DocumentGrant, GrantReason, Role, User


def _has_grant(user: User, document: Document, *, confidential: bool) -> bool:
    for grant in _grants(document):
        if grant.user_id == user.id and (not confidential or grant.reason is GrantReason.CONFIDENTIAL_ACCESS):
            return True
    return False


def _grants(document: Document) -> list[DocumentGrant]:
    session = object_session(document)
    if session is None:
        return []
    return list(session.execute(select(DocumentGrant).where(DocumentGrant.document_id == document.id)).scalars())


def can_view(user: User, document: Document) -> bool:
    """Department members, the uploader, those routed or assigned, and leaders/clerks/admins/auditors;
    confidential documents only leaders and those explicitly cleared for them (the uploader is cleared)."""
    if not user.is_active or document.organisation_id != user.organisation_id:
        return False
    if document.destroyed_at is not None:   # withdrawn by a destruction decision (services/records/retention)
        return False
    if document.confidentiality is not Confidentiality.NORMAL:
        return user.role is Role.LEADER or _has_grant(user, document, confidential=True)
    if user.sees_everything or document.created_by_id == user.id:
        return True
    if user.department_id is not None and document.department_id == user.department_id:
        return True
    return _has_grant(user, document, confidential=False)


def can_edit(user: User, document: Document) -> bool:
    """Change metadata or add a version: the uploader, the department head, clerks, leaders, admins."""
    if user.is_read_only or not can_view(user, document):
        return False
    if user.role in (Role.CLERK, Role.LEADER, Role.ADMIN) or document.created_by_id == user.id:
        return True
    return user.role is Role.HEAD and user.department_id == document.department_id


def can_upload(user: User) -> bool:
    return user.is_active and not user.is_read_only


def visible_filter(user: User) -> ColumnElement[bool]:
    """The SQL form of ``can_view`` for list queries (kept in step with it by a test)."""
    if not user.is_active:
        return false()
    in_org = and_(Document.organisation_id == user.organisation_id, Document.destroyed_at.is_(None))
    if user.role is Role.LEADER:
        return in_org
    normal = Document.confidentiality == Confidentiality.NORMAL
    cleared = select(DocumentGrant.document_id).where(
        DocumentGrant.user_id == user.id, DocumentGrant.reason == GrantReason.CONFIDENTIAL_ACCESS)
    if user.sees_everything:
        return and_(in_org, or_(normal, Document.id.in_(cleared)))
    granted = select(DocumentGrant.document_id).where(DocumentGrant.user_id == user.id)
    own = [Document.created_by_id == user.id, Document.id.in_(granted)]
    if user.department_id is not None:
        own.insert(0, Document.department_id == user.department_id)
    # Measured (bench/): this OR form lets PostgreSQL walk the sort index and stop at the page,
    # where a UNION of ids built and sorted the department's whole set on every page.
    return and_(in_org, or_(and_(normal, or_(*own)), and_(~normal, Document.id.in_(cleared))))
