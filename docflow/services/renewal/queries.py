"""Reading the renewal runs: the ward's list and one run's report, for the clerk, the auditor and the
administrator of that ward."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from docflow import policy
from docflow.errors import N_, NotFoundError, PermissionDeniedError
from docflow.models import RenewalRun, User

RECENT = 50


def recent_runs(session: Session, *, actor: User, limit: int = RECENT) -> list[RenewalRun]:
    """The ward's latest runs, newest first. Raises PermissionDeniedError. Reads only."""
    if not policy.may_read_renewals(actor):
        raise PermissionDeniedError(policy.MAY_NOT)
    return list(session.execute(select(RenewalRun).where(RenewalRun.organisation_id == actor.organisation_id)
                                .options(selectinload(RenewalRun.started_by))
                                .order_by(RenewalRun.started_at.desc(), RenewalRun.id.desc()).limit(limit)).scalars())


def get_run(session: Session, *, actor: User, run_id: int) -> RenewalRun:
    """One run of the actor's ward. Raises PermissionDeniedError, NotFoundError (another ward's run too)."""
    if not policy.may_read_renewals(actor):
        raise PermissionDeniedError(policy.MAY_NOT)
    run = session.get(RenewalRun, run_id)
    if run is None or run.organisation_id != actor.organisation_id:
        raise NotFoundError(N_("No such renewal run."))
    return run
