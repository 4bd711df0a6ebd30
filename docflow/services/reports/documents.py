"""Figures of documents (README, "Figures (báo cáo)"): how many were issued, or registered on arrival, each
month by type, and how long an outgoing document waits at each step from submission for signing to issue.

The database returns counts per department, month and type, and one row of waits per issued document; they
are kept as cells per department and month (the waits sorted), so a period's figures, medians included, are
an exact merge of its months (services/reports/months.py keeps the cells of closed months).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from docflow.models import Document, DocumentKind, RoutingStep, StepKind, StepStatus
from docflow.services.reports.period import Period, median, merge_sorted, not_below_zero, seconds_between
from docflow.services.reports.scope import Scope

HOUR = 3600.0
# The signer's step and the step before it, made once: an alias's columns are costly to make on every request.
SIGN, BEFORE = aliased(RoutingStep, name="sign"), aliased(RoutingStep, name="before")


@dataclass(frozen=True)
class MonthlyByType:
    """Counts of documents per local month and type: ``counts[(month, type)]``, with the types found."""

    months: list[str]
    types: list[str]
    counts: dict[tuple[str, str], int]

    @functools.cached_property
    def _per_month(self) -> Counter[str]:
        return _sum_by(self.counts, 0)

    @functools.cached_property
    def _per_type(self) -> Counter[str]:
        return _sum_by(self.counts, 1)

    def of_month(self, month: str) -> int:
        return self._per_month[month]

    def of_type(self, doc_type: str) -> int:
        return self._per_type[doc_type]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class DocumentCells:
    """The scope's documents of a period per department and local month: issued and registered counts per
    type, and the sorted waits of each stage of STAGES (``waits[(department, month)][n]``)."""

    issued: dict[tuple[int | None, str, str], int] = field(default_factory=dict)
    registered: dict[tuple[int | None, str, str], int] = field(default_factory=dict)
    waits: dict[tuple[int | None, str], tuple[list[float], ...]] = field(default_factory=dict)


def document_cells(session: Session, *, scope: Scope, period: Period) -> DocumentCells:
    """Issued (outgoing, by issue time; recalled ones included, they were issued) and registered (incoming
    with a số đến, by receipt time) per department, month and type, and the signing waits: three statements."""
    issued = _monthly(session, period, Document.issued_at,
                      and_(scope.document_filter(), Document.kind == DocumentKind.OUTGOING))
    registered = _monthly(session, period, Document.received_at,
                          and_(scope.document_filter(), Document.kind == DocumentKind.INCOMING,
                               Document.register_number.is_not(None)))
    return DocumentCells(issued, registered, _waits(session, scope, period))


def _monthly(session: Session, period: Period, moment: Any, where: Any) -> dict[tuple[int | None, str, str], int]:
    month = period.month_of(moment)
    query = select(Document.department_id, month, Document.doc_type, func.count()).where(where, period.within(moment))
    rows = session.connection().execute(query.group_by(Document.department_id, month, Document.doc_type))
    return {(d, m, t): int(n) for d, m, t, n in rows}


def monthly_by_type(period: Period, counts: dict[tuple[str, str], int]) -> MonthlyByType:
    """The figure of counts per (month, type): types by how many, then by name."""
    per_type = _sum_by(counts, 1)
    return MonthlyByType(period.months, sorted(per_type, key=lambda t: (-per_type[t], t)), counts)


def _sum_by(counts: dict[tuple[str, str], int], part: int) -> Counter[str]:
    """Totals per month (``part`` 0) or per type (1)."""
    found: Counter[str] = Counter()
    for key, n in counts.items():
        found[key[part]] += n
    return found


@dataclass(frozen=True)
class Stage:
    """One step of the way to issue: how many documents went through it, mean and median hours."""

    key: str
    count: int = 0
    mean_hours: float | None = None
    median_hours: float | None = None

    @classmethod
    def of_sums(cls, key: str, count: int, seconds: float, middle: float, middles: int) -> Stage:
        """From ``count`` waits summing to ``seconds``, whose one or two middle values sum to ``middle``."""
        if not count:
            return cls(key)
        return cls(key, int(count), float(seconds) / count / HOUR, float(middle) / int(middles) / HOUR)


STAGES = ("to_signature", "to_issue", "whole")


def stages_of(runs: list[tuple[list[float], ...]]) -> list[Stage]:
    """Each stage's count, mean and median from the months' sorted waits (see ``signing_turnaround``)."""
    stages = []
    for n, key in enumerate(STAGES):
        merged = merge_sorted(run[n] for run in runs)
        stages.append(Stage.of_sums(key, len(merged), math.fsum(merged), median(merged), 1) if merged
                      else Stage(key))
    return stages


def _waits(session: Session, scope: Scope, period: Period) -> dict[tuple[int | None, str], tuple[list[float], ...]]:
    """Signing turnaround, for the outgoing documents issued in the period: submitted for signing → signed
    ("to_signature"), signed → issued ("to_issue"), and submitted for signing → issued ("whole").

    Submitted for signing is the moment the signer's step became active: the decision on the step before it
    in the same round (the last review). A route that starts at the signer has no such moment on record, so
    those documents count in "to_issue" only. The round is the one that was signed last: the database keeps
    each document's last signed round (``row_number``) and returns its waits, sorted here per cell.
    """
    cells: dict[tuple[int | None, str], tuple[list[float], ...]] = {}
    for department, month, *waits in session.connection().execute(select(_last_signed_rounds(session, scope, period))):
        cell = cells.setdefault((department, month), tuple([] for _ in STAGES))
        for run, wait in zip(cell, waits):
            if wait is not None:
                run.append(float(wait))
    for cell in cells.values():
        for run in cell:
            run.sort()
    return cells


def _last_signed_rounds(session: Session, scope: Scope, period: Period) -> Any:
    """Per issued document of the period, its department, month of issue and the waits (seconds, never below
    0) of the round signed last."""
    sign, before = SIGN, BEFORE
    signing = not_below_zero(seconds_between(session, before.decided_at, sign.decided_at))
    issuing = not_below_zero(seconds_between(session, sign.decided_at, Document.issued_at))
    steps = (select(Document.department_id.label("department"), period.month_of(Document.issued_at).label("month"),
                    signing.label("to_signature"), issuing.label("to_issue"),
                    func.row_number().over(partition_by=Document.id, order_by=sign.round.desc()).label("latest"))
             .select_from(Document)
             .join(sign, and_(sign.document_id == Document.id, sign.kind == StepKind.SIGN,
                              sign.status.in_((StepStatus.APPROVED, StepStatus.DONE)), sign.decided_at.is_not(None)))
             .outerjoin(before, and_(before.document_id == sign.document_id, before.round == sign.round,
                                     before.position == sign.position - 1))
             .where(scope.document_filter(), Document.kind == DocumentKind.OUTGOING,
                    period.within(Document.issued_at))).subquery("steps")
    return (select(steps.c.department, steps.c.month, steps.c.to_signature, steps.c.to_issue,
                   (steps.c.to_signature + steps.c.to_issue).label("whole"))
            .where(steps.c.latest == 1).subquery("last"))
