"""The figures of closed months kept for the dashboard (services/reports/store.py), and the ward's figures
version that every write able to change a closed month bumps.

A month is closed once the ward's clock has left it: normal work completes, registers and issues "now", so a
closed month's figures do not change. What can still change them (a back-dated receipt time, an import of the
past, a completion undone, a document or a person moving to another department) goes through the ORM, so one
after-flush listener sees every such write, whatever service makes it, and bumps the ward's version in the
same transaction: a kept month built under an older version is not used again, and one being built while the
write commits carries the older version too (the version is read before the data).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint, event, inspect, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column

from docflow.models.base import Base, utc_now
from docflow.models.documents import Document
from docflow.models.routing import Assignment, RoutingStep
from docflow.models.users import User


class ReportMonth(Base):
    """One part ("work" or "documents") of one closed local month of one subject ("ward", or "user:<id>" for an
    official's own work), as the figures need it: ``counts`` (JSON) and the sorted durations ``values`` (packed
    doubles) the medians merge. ``stamp`` names what it was built under (format, ward version, calendar, zone)."""
    __tablename__ = "report_months"
    __table_args__ = (UniqueConstraint("organisation_id", "subject", "part", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    subject: Mapped[str] = mapped_column(String(40))
    part: Mapped[str] = mapped_column(String(12))
    month: Mapped[str] = mapped_column(String(7))          # "YYYY-MM", the ward's local month
    stamp: Mapped[str] = mapped_column(String(120))
    counts: Mapped[str] = mapped_column(Text)
    values: Mapped[bytes] = mapped_column(LargeBinary)
    built_at: Mapped[datetime] = mapped_column(default=utc_now)


class ReportVersion(Base):
    """The ward's figures version: bumped by any write that can change a closed month's figures."""
    __tablename__ = "report_versions"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


# Per model: the times that place a row in a month, and the columns the figures read.
_WATCHED: dict[type[Any], tuple[tuple[str, ...], tuple[str, ...]]] = {
    Assignment: (("completed_at",), ("status", "completed_at", "deadline", "department_id", "assignee_id", "role",
                                     "parent_id", "document_id")),
    Document: (("received_at", "created_at", "issued_at"),
               ("received_at", "created_at", "issued_at", "kind", "department_id", "created_by_id", "doc_type",
                "register_number", "organisation_id")),
    RoutingStep: (("decided_at",), ("decided_at", "status", "kind", "round", "position", "document_id")),
}


def closed_before(now: datetime) -> datetime:
    """An instant no earlier than the start of the current local month in any zone: a time before it may lie
    in a closed month (a day's margin: a write on a month's first day bumps the version needlessly, no harm)."""
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def _in_closed_month(obj: Any, names: tuple[str, ...], limit: datetime, *, new: bool) -> bool:
    """Whether one of the object's times, as it is now or was before this flush, is before ``limit``; a stored
    row's time not loaded counts as one (unknown, so the kept months are not trusted)."""
    state = inspect(obj)
    for name in names:
        if not new and name in state.unloaded:
            return True
        history = state.attrs[name].history
        if any(isinstance(t, datetime) and t < limit
               for t in (*history.unchanged, *history.added, *history.deleted)):
            return True
    return False


def _touches_closed_month(session: Session, obj: Any, limit: datetime) -> bool:
    if isinstance(obj, User):
        return obj not in session.new and inspect(obj).attrs.department_id.history.has_changes()
    watched = _WATCHED.get(type(obj))
    if watched is None:
        return False
    times, columns = watched
    state = inspect(obj)
    changed = obj in session.new or obj in session.deleted or any(
        state.attrs[c].history.has_changes() for c in columns)
    return changed and _in_closed_month(obj, times, limit, new=obj in session.new)


def _wards(session: Session, touched: list[Any]) -> set[int]:
    """The wards of the touched rows: their own, or their document's."""
    wards = {obj.organisation_id for obj in touched if isinstance(obj, (Document, User))}
    documents = {obj.document_id for obj in touched if isinstance(obj, (Assignment, RoutingStep))}
    if documents:
        wards |= set(session.connection().execute(
            select(Document.organisation_id).where(Document.id.in_(documents))).scalars())
    return wards


def bump_version(session: Session, organisation_id: int) -> None:
    """Mark every kept month of the ward as built under an old version (made at 1 if the ward had none)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    query = insert(ReportVersion).values(organisation_id=organisation_id, version=1)
    session.connection().execute(query.on_conflict_do_update(
        index_elements=[ReportVersion.organisation_id], set_={"version": ReportVersion.version + 1}))


@event.listens_for(Session, "after_flush")
def _bump_after_flush(session: Session, flush_context: UOWTransaction, *_: Any) -> None:
    limit = closed_before(utc_now())
    touched = [obj for obj in (*session.new, *session.dirty, *session.deleted)
               if _touches_closed_month(session, obj, limit)]
    for ward in sorted(_wards(session, touched)) if touched else ():
        bump_version(session, ward)
