"""Figures of documents (README, "Figures (báo cáo)"): how many were issued, or registered on arrival, each
month by type, and how long an outgoing document waits at each step from submission for signing to issue.
"""

from __future__ import annotations

import functools
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from docflow.models import Document, DocumentKind, RoutingStep, StepKind, StepStatus
from docflow.services.reports.period import Period, seconds_between
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
    def of(cls, key: str, seconds: list[float]) -> Stage:
        if not seconds:
            return cls(key)
        return cls(key, len(seconds), statistics.fmean(seconds) / HOUR, statistics.median(seconds) / HOUR)


STAGES = ("to_signature", "to_issue", "whole")


def signing_turnaround(session: Session, *, scope: Scope, period: Period) -> list[Stage]:
    """For the outgoing documents issued in the period: submitted for signing → signed ("to_signature"),
    signed → issued ("to_issue"), and submitted for signing → issued ("whole").

    Submitted for signing is the moment the signer's step became active: the decision on the step before it
    in the same round (the last review). A route that starts at the signer has no such moment on record, so
    those documents count in "to_issue" only. The round is the one that was signed last.
    """
    sign, before = aliased(RoutingStep, name="sign"), aliased(RoutingStep, name="before")
    query = (select(Document.id, sign.round, seconds_between(session, before.decided_at, sign.decided_at),
                    seconds_between(session, sign.decided_at, Document.issued_at))
             .join(sign, and_(sign.document_id == Document.id, sign.kind == StepKind.SIGN,
                              sign.status.in_((StepStatus.APPROVED, StepStatus.DONE)), sign.decided_at.is_not(None)))
             .outerjoin(before, and_(before.document_id == sign.document_id, before.round == sign.round,
                                     before.position == sign.position - 1))
             .where(scope.document_filter(), Document.kind == DocumentKind.OUTGOING,
                    period.within(Document.issued_at)))
    last: dict[int, tuple[int, float | None, float]] = {}
    for document_id, round_, to_signature, to_issue in session.connection().execute(query).all():
        if document_id not in last or round_ > last[document_id][0]:
            last[document_id] = (round_, to_signature, to_issue)
    waits: dict[str, list[float]] = defaultdict(list)
    for _, signing, issuing in last.values():
        waits["to_issue"].append(max(float(issuing), 0.0))
        if signing is not None:
            waits["to_signature"].append(max(float(signing), 0.0))
            waits["whole"].append(max(float(signing), 0.0) + max(float(issuing), 0.0))
    return [Stage.of(key, waits[key]) for key in STAGES]
