"""Saved searches (Decree 30 Annex VI.III.6, R53: save a query and reuse it): each belongs to one user, who
alone lists, reruns and deletes it; another user's is "not found", never "forbidden"."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.errors import N_, NotFoundError, ValidationError
from docflow.models import DocumentKind, DocumentStatus, SavedSearch, User
from docflow.services.documents import DocumentFilters

MAX_SAVED = 100          # per user
MAX_NAME = 200


def save_search(session: Session, *, actor: User, name: str, filters: DocumentFilters) -> SavedSearch:
    """Keep ``filters`` (the query and the list's filters) under ``name`` for ``actor``. Raises
    ValidationError for an empty name or query, or past MAX_SAVED. Flushes."""
    name = " ".join(name.split())[:MAX_NAME]
    if not name or not filters.q.strip():
        raise ValidationError(N_("A saved search needs a name and a query."))
    if len(list_saved_searches(session, actor=actor)) >= MAX_SAVED:
        raise ValidationError(N_("At most %(num)s saved searches: delete one first."), num=MAX_SAVED)
    saved = SavedSearch(organisation_id=actor.organisation_id, user_id=actor.id, name=name,
                        query=filters.q.strip()[:500], filters_json=json.dumps(filters_dict(filters)))
    session.add(saved)
    session.flush()
    return saved


def list_saved_searches(session: Session, *, actor: User) -> list[SavedSearch]:
    """``actor``'s own saved searches, by name."""
    return list(session.execute(select(SavedSearch).where(
        SavedSearch.user_id == actor.id, SavedSearch.organisation_id == actor.organisation_id)
        .order_by(SavedSearch.name, SavedSearch.id)).scalars())


def get_saved_search(session: Session, *, actor: User, saved_id: int) -> SavedSearch:
    """``actor``'s saved search ``saved_id``; NotFoundError for anyone else's."""
    saved = session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != actor.id or saved.organisation_id != actor.organisation_id:
        raise NotFoundError(N_("No such saved search."))
    return saved


def delete_saved_search(session: Session, *, actor: User, saved_id: int) -> None:
    """Delete ``actor``'s saved search; NotFoundError for anyone else's. Flushes."""
    session.delete(get_saved_search(session, actor=actor, saved_id=saved_id))
    session.flush()


def saved_filters(saved: SavedSearch) -> DocumentFilters:
    """The query and filters a saved search reruns."""
    data: dict[str, Any] = json.loads(saved.filters_json or "{}")
    return DocumentFilters(
        q=saved.query,
        kind=DocumentKind(data["kind"]) if data.get("kind") else None,
        doc_type=data.get("doc_type") or None,
        status=DocumentStatus(data["status"]) if data.get("status") else None,
        department_id=data.get("department_id"),
        date_from=date.fromisoformat(data["date_from"]) if data.get("date_from") else None,
        date_to=date.fromisoformat(data["date_to"]) if data.get("date_to") else None,
    )


def filters_dict(filters: DocumentFilters) -> dict[str, Any]:
    """The list's filters (not the query) as JSON-ready values: what a saved search keeps, what an export records."""
    return {"kind": filters.kind.value if filters.kind else None, "doc_type": filters.doc_type,
            "status": filters.status.value if filters.status else None, "department_id": filters.department_id,
            "date_from": filters.date_from.isoformat() if filters.date_from else None,
            "date_to": filters.date_to.isoformat() if filters.date_to else None}
