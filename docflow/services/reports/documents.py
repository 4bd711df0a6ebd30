"""Figures of documents (README, "Figures (báo cáo)"): how many were issued, or registered on arrival, each
month by type, and how long an outgoing document waits at each step from submission for signing to issue.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from docflow.models import Document, DocumentKind, RoutingStep, StepKind, StepStatus
from docflow.services.reports.period import Period, is_middle, not_below_zero, seconds_between, sum_if
from docflow.services.reports.scope import Scope

HOUR = 3600.0


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


def issued_per_month(session: Session, *, scope: Scope, period: Period) -> MonthlyByType:
    """Outgoing documents issued in the period (numbered and sealed by the clerk; recalled ones included, they
    were issued), per month of issue and type."""
    return _monthly(session, period, Document.issued_at,
                      and_(scope.document_filter(), Document.kind == DocumentKind.OUTGOING))


def registered_per_month(session: Session, *, scope: Scope, period: Period) -> MonthlyByType:
    """Incoming documents registered with a số đến, per month of receipt (ngày đến) and type."""
    return _monthly(session, period, Document.received_at,
                      and_(scope.document_filter(), Document.kind == DocumentKind.INCOMING,
                           Document.register_number.is_not(None)))


def _monthly(session: Session, period: Period, moment: Any, where: Any) -> MonthlyByType:
    month = period.month_of(moment)
    query = select(month, Document.doc_type, func.count()).where(where, period.within(moment))
    rows = session.connection().execute(query.group_by(month, Document.doc_type))
    counts = {(m, t): int(n) for m, t, n in rows}
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


def signing_turnaround(session: Session, *, scope: Scope, period: Period) -> list[Stage]:
    """For the outgoing documents issued in the period: submitted for signing → signed ("to_signature"),
    signed → issued ("to_issue"), and submitted for signing → issued ("whole").

    Submitted for signing is the moment the signer's step became active: the decision on the step before it
    in the same round (the last review). A route that starts at the signer has no such moment on record, so
    those documents count in "to_issue" only. The round is the one that was signed last.

    One statement: the database keeps each document's last signed round, then sums the waits and the middle
    values of each stage (ranked by ``row_number``); only the sums come back.
    """
    last = _last_signed_rounds(session, scope, period)
    ranked = select(last, *(column for key in STAGES for column in _ranks(last.c[key], key))).subquery("ranked")
    cells = []
    for key in STAGES:
        wait, middle = ranked.c[key], is_middle(ranked.c[f"{key}_rank"], ranked.c[f"{key}_count"])
        cells += [func.count(wait), func.coalesce(func.sum(wait), 0.0), sum_if(and_(wait.is_not(None), middle), wait),
                  sum_if(and_(wait.is_not(None), middle), 1)]
    row = session.connection().execute(select(*cells)).one()
    return [Stage.of_sums(key, *row[4 * n:4 * n + 4]) for n, key in enumerate(STAGES)]


def _last_signed_rounds(session: Session, scope: Scope, period: Period) -> Any:
    """Per issued document of the period, the waits (seconds, never below 0) of the round signed last."""
    sign, before = aliased(RoutingStep, name="sign"), aliased(RoutingStep, name="before")
    signing = not_below_zero(seconds_between(session, before.decided_at, sign.decided_at))
    issuing = not_below_zero(seconds_between(session, sign.decided_at, Document.issued_at))
    steps = (select(signing.label("to_signature"), issuing.label("to_issue"),
                    func.row_number().over(partition_by=Document.id, order_by=sign.round.desc()).label("latest"))
             .select_from(Document)
             .join(sign, and_(sign.document_id == Document.id, sign.kind == StepKind.SIGN,
                              sign.status.in_((StepStatus.APPROVED, StepStatus.DONE)), sign.decided_at.is_not(None)))
             .outerjoin(before, and_(before.document_id == sign.document_id, before.round == sign.round,
                                     before.position == sign.position - 1))
             .where(scope.document_filter(), Document.kind == DocumentKind.OUTGOING,
                    period.within(Document.issued_at))).subquery("steps")
    return (select(steps.c.to_signature, steps.c.to_issue,
                   (steps.c.to_signature + steps.c.to_issue).label("whole"))
            .where(steps.c.latest == 1).subquery("last"))


def _ranks(wait: Any, key: str) -> list[Any]:
    """The rank of a wait among the stage's known waits, and how many are known (a missing one ranks apart)."""
    known = wait.is_(None)
    return [func.row_number().over(partition_by=known, order_by=wait).label(f"{key}_rank"),
            func.count().over(partition_by=known).label(f"{key}_count")]
