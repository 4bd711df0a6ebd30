"""Everything one user's dashboard shows, computed in one call for the scope the policy gives the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.models import User
from docflow.services.calendar import WorkingCalendar
from docflow.services.petitions.figures import PetitionFigures, petition_figures
from docflow.services.reports.documents import MonthlyByType, Stage
from docflow.services.reports.kept import DOCUMENTS, WORK
from docflow.services.reports.months import Months, gather
from docflow.services.reports.period import Period
from docflow.services.reports.scope import Scope, departments_of, resolve_scope
from docflow.services.reports.work import (
    OnTime,
    Processing,
    Row,
    Workload,
    department_labels,
    workload,
)
from docflow.policy.reports import Reach


@dataclass(frozen=True)
class Dashboard:
    """The figures of one scope and period; a section the scope does not show is None."""

    scope: Scope
    period: Period
    today: date
    at_risk_days: int
    departments: list[tuple[int, str, str]]      # what the department filter offers (empty: no filter)
    on_time: OnTime | None = None
    workload: tuple[list[Row[Workload]], Workload] | None = None
    processing: Processing | None = None
    issued: MonthlyByType | None = None
    registered: MonthlyByType | None = None
    turnaround: list[Stage] | None = None
    petitions: PetitionFigures | None = None      # citizens' petitions (issue 15 §3): the whole ward's only


def build_dashboard(session: Session, *, actor: User, settings: Settings, today: date, first: date | None = None,
                    last: date | None = None, department_id: int | None = None,
                    now: datetime | None = None) -> Dashboard:
    """The dashboard of ``actor`` for the period (default: this calendar year) and, for a leader or an
    auditor, one department. ``now`` (default: the clock) decides which months are closed, hence kept
    (services/reports/months.py); the figures are the same either way.

    Raises PermissionDeniedError, NotFoundError (see ``resolve_scope``) and ValidationError (a bad period).
    Reads only; closed months it had to build wait on the session for ``keep_months``.
    """
    scope = resolve_scope(session, actor=actor, department_id=department_id)
    period = Period.of(settings.app.zone, first=first, last=last, today=today)
    filter_choices, labels = _departments(session, scope)
    calendar = WorkingCalendar.load(settings)
    months = gather(session, scope=scope, period=period, calendar=calendar,
                    parts=(WORK, DOCUMENTS) if scope.shows_work else (DOCUMENTS,), now=now)
    sections: dict[str, object] = {"issued": months.issued(), "turnaround": months.turnaround()}
    if scope.shows_work:
        sections.update(_work_sections(session, scope, months, settings, today, labels, calendar))
    if scope.reach in (Reach.REGISTRY, Reach.WARD):
        sections["registered"] = months.registered()
    if scope.reach is Reach.WARD and scope.department_id is None:
        sections["petitions"] = petition_figures(session, organisation_id=scope.organisation_id, start=period.start,
                                                 end=period.end, today=today)
    return Dashboard(scope=scope, period=period, today=today, at_risk_days=settings.workflow.at_risk_working_days,
                     departments=filter_choices, **sections)  # type: ignore[arg-type]


def _departments(session: Session, scope: Scope) -> tuple[list[tuple[int, str, str]], dict[int | None, str]]:
    """The department filter's choices and the tables' department labels, from one query. The ward's
    filter offers its active departments, and the one a leader chose is among them (``resolve_scope``
    refuses any other), so its label comes from the same rows; a head's tables list his own department."""
    if scope.reach is Reach.WARD:
        choices = departments_of(session, Scope(Reach.WARD, scope.organisation_id))
        shown = [d for d in choices if scope.department_id in (None, d[0])]
        return choices, department_labels(shown)
    return [], department_labels(departments_of(session, scope)) if scope.by_department else {}


def _work_sections(session: Session, scope: Scope, months: Months, settings: Settings, today: date,
                   labels: dict[int | None, str], calendar: WorkingCalendar) -> dict[str, object]:
    done = months.completed_work()
    return {
        "on_time": done.on_time(labels), "processing": done.processing(labels),
        "workload": workload(session, scope=scope, today=today, calendar=calendar,
                             at_risk_days=settings.workflow.at_risk_working_days, labels=labels),
    }
