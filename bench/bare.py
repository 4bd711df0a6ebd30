"""The bare-SQLAlchemy baseline: the very statements docflow sent for a request, issued again
directly through SQLAlchemy Core (``Connection.exec_driver_sql``) on the same engine, rows fetched.

Replaying the captured SQL makes "the same query" true by construction, whatever docflow's query
builders look like this week (capped COUNT, FTS5 or pg_trgm search, UNION visibility): the ratio
docflow ÷ bare is then the cost of everything that is not the database — ORM, session, Flask,
Jinja. Only reads are replayed (an audited view's INSERT/UPDATE would fork the hash chain); the
inline-PDF baseline also reads the blob's bytes from disk, as ``send_file`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.models import Document, User

Captured = tuple[str, Any]  # (statement, driver parameters) as the cursor received them


@dataclass(frozen=True)
class Viewer:
    """Who is looking: the (detached) User row, which docflow's own visibility predicate reads."""

    user: User

    @property
    def username(self) -> str:
        return self.user.username


def viewer(conn: Connection, username: str) -> Viewer:
    with Session(bind=conn) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        session.expunge(user)
    return Viewer(user)


def visible_ids(conn: Connection, v: Viewer) -> list[int]:
    """Every document id ``v`` may open (to draw random document pages from), by docflow's own rule."""
    stmt = select(Document.id).where(policy.visible_filter(v.user)).order_by(Document.id)
    return list(conn.execute(stmt).scalars())


def is_read(statement: str) -> bool:
    head = statement.lstrip()[:10].upper()
    return head.startswith(("SELECT", "WITH")) and "FOR UPDATE" not in statement.upper()


def replay(conn: Connection, captured: Sequence[Captured]) -> int:
    """Issue every captured read again and fetch all its rows. Returns the number of statements."""
    n = 0
    for statement, parameters in captured:
        if is_read(statement):
            conn.exec_driver_sql(statement, parameters).all()
            n += 1
    return n


def read_blob(blobs_dir: Path, sha256: str) -> int:
    """The blob's bytes, read whole from the content store. Returns the size."""
    return len((blobs_dir / sha256[:2] / sha256[2:4] / sha256).read_bytes())
