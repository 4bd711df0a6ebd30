"""The bare-SQLAlchemy baselines: the same work as docflow's pages, written directly in Core.

Each function takes a Connection from the app's own engine and the same parameters the page got:
- list: the COUNT, the bounded page SELECT (same WHERE, ORDER BY, LIMIT/OFFSET) and the page's
  departments, rows fetched;
- document page: the document with its department and creator (visibility in the WHERE), then its
  versions with their creators;
- file: the current version's SHA-256 (visibility in the WHERE), then the blob read from disk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import ColumnElement, Connection, and_, exists, func, or_, select, true

from docflow.models import (
    Confidentiality, Department, Document, DocumentGrant, DocumentKind, DocumentStatus, DocumentVersion,
    GrantReason, Role, User,
)

D = Document.__table__
G = DocumentGrant.__table__
V = DocumentVersion.__table__
DEPT = Department.__table__
U = User.__table__
SORT_COLUMNS = {"created": D.c.created_at, "date": D.c.document_date, "number": D.c.number_symbol,
                "deadline": D.c.deadline}


@dataclass(frozen=True)
class Viewer:
    """Who is looking: enough of the user row to write the visibility predicate by hand."""

    username: str
    id: int
    role: Role
    department_id: int | None
    organisation_id: int

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.LEADER, Role.CLERK, Role.ADMIN, Role.AUDITOR)


def visible(v: Viewer) -> ColumnElement[bool]:
    """The visibility rule of access.can_view, hand-written in Core."""
    confidential_ok: ColumnElement[bool] = true() if v.role is Role.LEADER else exists().where(
        G.c.document_id == D.c.id, G.c.user_id == v.id, G.c.reason == GrantReason.CONFIDENTIAL_ACCESS)
    if v.sees_everything:
        normal_ok: ColumnElement[bool] = true()
    else:
        granted = exists().where(G.c.document_id == D.c.id, G.c.user_id == v.id)
        normal_ok = or_(D.c.department_id == v.department_id, granted) if v.department_id is not None \
            else granted
    return and_(D.c.organisation_id == v.organisation_id,
                or_(and_(D.c.confidentiality == Confidentiality.NORMAL, normal_ok),
                    and_(D.c.confidentiality != Confidentiality.NORMAL, confidential_ok)))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_predicate(v: Viewer, p: dict[str, str]) -> list[ColumnElement[bool]]:
    """WHERE clauses for the list page's query-string parameters."""
    where = [visible(v)]
    if p.get("kind"):
        where.append(D.c.kind == DocumentKind(p["kind"]))
    if p.get("doc_type"):
        where.append(D.c.doc_type == p["doc_type"])
    if p.get("status"):
        where.append(D.c.status == DocumentStatus(p["status"]))
    if p.get("department_id"):
        where.append(D.c.department_id == int(p["department_id"]))
    if p.get("date_from"):
        where.append(D.c.document_date >= date.fromisoformat(p["date_from"]))
    if p.get("date_to"):
        where.append(D.c.document_date <= date.fromisoformat(p["date_to"]))
    if p.get("q", "").strip():
        needle = f"%{_escape_like(p['q'].strip()[:100])}%"
        where.append(or_(D.c.summary.ilike(needle, escape="\\"), D.c.number_symbol.ilike(needle, escape="\\"),
                         D.c.issuing_body.ilike(needle, escape="\\")))
    return where


def list_page(conn: Connection, v: Viewer, p: dict[str, str], page_size: int) -> tuple[int, int]:
    """COUNT + one page + its departments. Returns (total, rows on the page)."""
    where = list_predicate(v, p)
    total = conn.execute(select(func.count()).select_from(D).where(*where)).scalar_one()
    pages = max(1, math.ceil(total / page_size))
    page = max(1, min(int(p.get("page", "1")), pages))
    column = SORT_COLUMNS[p.get("sort", "created")]
    desc = p.get("order", "desc") != "asc"
    order = [column.desc(), D.c.id.desc()] if desc else [column.asc(), D.c.id.asc()]
    rows = conn.execute(select(D).where(*where).order_by(*order)
                        .limit(page_size).offset((page - 1) * page_size)).all()
    dept_ids = {r.department_id for r in rows if r.department_id is not None}
    if dept_ids:
        conn.execute(select(DEPT).where(DEPT.c.id.in_(dept_ids))).all()
    return total, len(rows)


def document_page(conn: Connection, v: Viewer, doc_id: int) -> int:
    """The document (visible to ``v``) with its department and creator, then its versions."""
    creator = U.alias("creator")
    row = conn.execute(
        select(D, DEPT.c.name.label("department_name"), creator.c.full_name.label("creator_name"))
        .outerjoin(DEPT, DEPT.c.id == D.c.department_id).join(creator, creator.c.id == D.c.created_by_id)
        .where(D.c.id == doc_id, visible(v))).one()
    versions = conn.execute(
        select(V, U.c.full_name).join(U, U.c.id == V.c.created_by_id)
        .where(V.c.document_id == row.id).order_by(V.c.number)).all()
    return len(versions)


def document_file(conn: Connection, v: Viewer, doc_id: int, blobs_dir: Path) -> int:
    """The current version's SHA-256 for a visible document, then the blob's bytes. Returns the size."""
    sha256 = conn.execute(
        select(V.c.sha256).join(D, D.c.id == V.c.document_id)
        .where(D.c.id == doc_id, visible(v)).order_by(V.c.number.desc()).limit(1)).scalar_one()
    path = blobs_dir / sha256[:2] / sha256[2:4] / sha256
    return len(path.read_bytes())


def visible_ids(conn: Connection, v: Viewer) -> list[int]:
    """Every document id ``v`` may open (to draw random document pages from)."""
    return list(conn.execute(select(D.c.id).where(visible(v)).order_by(D.c.id)).scalars())


def viewer(conn: Connection, username: str) -> Viewer:
    row = conn.execute(select(U.c.id, U.c.role, U.c.department_id, U.c.organisation_id)
                       .where(U.c.username == username)).one()
    return Viewer(username, row.id, Role(row.role), row.department_id, row.organisation_id)

