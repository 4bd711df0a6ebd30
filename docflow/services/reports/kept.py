"""The closed months' cells as report_months rows: read under their stamp, queued on the session when built,
written by ``keep_months``. A row holds one part of one month: its counts as JSON and its sorted durations
(or waits) as packed little-endian doubles, read back bit for bit."""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from docflow.models import ReportMonth, utc_now
from docflow.services.reports.completed import WorkCell
from docflow.services.reports.documents import STAGES, DocumentCells

WORK, DOCUMENTS = "work", "documents"
PENDING = "docflow.report_months"     # session.info: the built months waiting for keep_months

Key = tuple[int, str, str, str]         # ward, subject, part, month


def read_kept(session: Session, organisation_id: int, subject: str, parts: Iterable[str], months: list[str],
              stamps: dict[str, str]) -> dict[tuple[str, str], Any]:
    """(part, month) → cells of the kept months built under the current stamp (the others are stale)."""
    if not months:
        return {}
    rows = session.execute(select(ReportMonth.part, ReportMonth.month, ReportMonth.stamp, ReportMonth.counts,
                                  ReportMonth.values).where(
        ReportMonth.organisation_id == organisation_id, ReportMonth.subject == subject,
        ReportMonth.part.in_(list(parts)), ReportMonth.month.in_(months)))
    return {(part, month): unpack(part, month, counts, values)
            for part, month, stamp, counts, values in rows if stamps.get(part) == stamp}


def queue(session: Session, key: Key, stamp: str, cells: Any) -> None:
    """Hold a built month for ``keep_months`` (cells of that month only)."""
    session.info.setdefault(PENDING, {})[key] = (stamp, *pack(key[2], cells))


def has_pending(session: Session) -> bool:
    return bool(session.info.get(PENDING))


def keep_months(session: Session) -> None:
    """Write the months built since the last call (a newer build of the same month replaces an older one).
    Run it inside ``db.transaction()``: it flushes, never commits."""
    pending: dict[Key, tuple[str, str, bytes]] = session.info.pop(PENDING, {})
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for (ward, subject, part, month), (stamp, counts, values) in sorted(pending.items()):
        query = insert(ReportMonth).values(organisation_id=ward, subject=subject, part=part, month=month,
                                           stamp=stamp, counts=counts, values=values, built_at=utc_now())
        session.execute(query.on_conflict_do_update(
            index_elements=[ReportMonth.organisation_id, ReportMonth.subject, ReportMonth.part, ReportMonth.month],
            set_={"stamp": stamp, "counts": counts, "values": values, "built_at": utc_now()}))


def pack(part: str, cells: Any) -> tuple[str, bytes]:
    """One month's cells as (JSON counts, doubles)."""
    runs: list[list[float]] = []
    if part == WORK:
        rows: Any = [[d, cell.with_deadline, cell.on_time, len(cell.durations)] for (d, _m), cell in cells.items()]
        runs = [cell.durations for cell in cells.values()]
    else:
        rows = {"issued": [[d, t, n] for (d, _m, t), n in cells.issued.items()],
                "registered": [[d, t, n] for (d, _m, t), n in cells.registered.items()],
                "waits": [[d, *(len(run) for run in waits)] for (d, _m), waits in cells.waits.items()]}
        runs = [run for waits in cells.waits.values() for run in waits]
    doubles = array("d", (value for run in runs for value in run))
    if sys.byteorder == "big":
        doubles.byteswap()
    return json.dumps(rows, separators=(",", ":")), doubles.tobytes()


def unpack(part: str, month: str, counts: str, values: bytes) -> Any:
    """The cells ``pack`` wrote, for ``month``."""
    doubles = array("d")
    doubles.frombytes(values)
    if sys.byteorder == "big":
        doubles.byteswap()
    taken = _Taker(doubles.tolist())
    rows = json.loads(counts)
    if part == WORK:
        return {(d, month): WorkCell(with_deadline, on_time, taken(n)) for d, with_deadline, on_time, n in rows}
    return DocumentCells(issued={(d, month, t): n for d, t, n in rows["issued"]},
                         registered={(d, month, t): n for d, t, n in rows["registered"]},
                         waits={(d, month): tuple(taken(n) for n in lengths[:len(STAGES)])
                                for d, *lengths in rows["waits"]})


class _Taker:
    """Hands out consecutive slices of a list."""

    def __init__(self, values: list[float]) -> None:
        self.values, self.at = values, 0

    def __call__(self, n: int) -> list[float]:
        self.at += n
        return self.values[self.at - n:self.at]
