"""The citizens' figures the chairman reads (DESIGN.md §1: >99% on time, >98% satisfied; R70, R72): of the
petitions received in a period, how many were answered on or before their FIRST deadline, how many late
(an apology moves the deadline shown to the citizen, never this count), how many are still open past it, the
apologies issued, and the share of satisfied ratings (4 or 5 of 5). Counts only: no personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.models import Petition, PetitionApology
from docflow.services.petitions.routing import OPEN
from docflow.services.petitions.tracking import SATISFIED_FROM


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class PetitionFigures:
    received: int
    answered_on_time: int
    answered_late: int
    open_overdue: int          # unanswered past the first deadline: late already
    open_in_time: int
    apologies_issued: int
    rated: int
    satisfied: int

    @property
    def on_time_rate(self) -> float | None:
        """Answered on time, in percent of everything whose lateness is known (answered, or open and late)."""
        return _share(self.answered_on_time, self.answered_on_time + self.answered_late + self.open_overdue)

    @property
    def satisfaction_rate(self) -> float | None:
        return _share(self.satisfied, self.rated)


def petition_figures(session: Session, *, organisation_id: int, start: datetime, end: datetime,
                     today: date) -> PetitionFigures:
    """The figures of the petitions received in [start, end) (UTC instants of the ward's local days)."""
    rows = session.execute(select(Petition.id, Petition.status, Petition.first_deadline, Petition.answered_on,
                                  Petition.rating)
                           .where(Petition.organisation_id == organisation_id, Petition.received_at >= start,
                                  Petition.received_at < end)).all()
    counts = dict.fromkeys(("on_time", "late", "overdue", "in_time", "rated", "satisfied"), 0)
    for _id, status, first_deadline, answered_on, rating in rows:
        if answered_on is not None:
            counts["on_time" if answered_on <= first_deadline else "late"] += 1
        elif status in OPEN:
            counts["overdue" if today > first_deadline else "in_time"] += 1
        if rating is not None:
            counts["rated"] += 1
            counts["satisfied"] += rating >= SATISFIED_FROM
    ids = [row[0] for row in rows]
    apologies = len(session.execute(select(PetitionApology.id).where(PetitionApology.petition_id.in_(ids),
                                                                     PetitionApology.issued_at.is_not(None)))
                    .all()) if ids else 0
    return PetitionFigures(received=len(rows), answered_on_time=counts["on_time"], answered_late=counts["late"],
                           open_overdue=counts["overdue"], open_in_time=counts["in_time"],
                           apologies_issued=apologies, rated=counts["rated"], satisfied=counts["satisfied"])
