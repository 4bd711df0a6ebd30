"""The ward's policy for the Annex I format check: which findings block review and signing, which only warn.
Decree 30's defaults hold until the ward's administrator moves a check (audited)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import formatcheck, policy
from docflow.errors import N_, PermissionDeniedError, ValidationError
from docflow.models import FormatCheckSetting, User, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction


def blocking_codes(session: Session, organisation_id: int) -> frozenset[str]:
    """The codes whose findings block review and signing in the ward. Reads only."""
    levels = {code: code in formatcheck.BLOCKING_BY_DEFAULT for code in formatcheck.ALL_CODES}
    rows = session.execute(select(FormatCheckSetting)
                           .where(FormatCheckSetting.organisation_id == organisation_id)).scalars()
    levels.update({row.code: row.is_blocking for row in rows if row.code in levels})
    return frozenset(code for code, blocking in levels.items() if blocking)


def set_blocking_codes(session: Session, *, actor: User, blocking: Iterable[str],
                       now: datetime | None = None) -> frozenset[str]:
    """Make exactly ``blocking`` the blocking checks of the actor's ward (every other check warns); audited
    with what moved. Raises PermissionDeniedError (not the ward's administrator), ValidationError (an unknown
    check). Flushes."""
    if not policy.may_administer(actor):
        raise PermissionDeniedError(N_("Only the administrator sets which format checks block signing."))
    wanted = frozenset(blocking)
    unknown = wanted - set(formatcheck.ALL_CODES)
    if unknown:
        raise ValidationError(N_("Unknown format check: %(codes)s."), field="blocking", codes=", ".join(sorted(unknown)))
    now = now or utc_now()
    before = blocking_codes(session, actor.organisation_id)
    rows = {row.code: row for row in session.execute(select(FormatCheckSetting).where(
        FormatCheckSetting.organisation_id == actor.organisation_id)).scalars()}
    for code in formatcheck.ALL_CODES:
        row = rows.get(code)
        if row is None:
            row = FormatCheckSetting(organisation_id=actor.organisation_id, code=code, is_blocking=False)
            session.add(row)
        if row.is_blocking != (code in wanted) or row.id is None:
            row.is_blocking, row.updated_at, row.updated_by_id = code in wanted, now, actor.id
    session.flush()
    if before != wanted:
        audit.record(session, action=AuditAction.FORMAT_CHECK_POLICY_CHANGED, actor=actor, object_type="organisation",
                     object_id=actor.organisation_id, now=now,
                     details={"now_blocking": sorted(wanted - before), "now_warning": sorted(before - wanted),
                              "blocking": sorted(wanted)})
    return wanted


def seed_warning_only(session: Session, *, organisation_id: int, now: datetime | None = None) -> bool:
    """Make every check of a ward that has no format-check policy yet warn only (a setting the administrator
    changes on the policy screen); a ward with a policy keeps it. Returns whether it seeded. Flushes.

    For test wards that sign tiny PDFs which are no Annex I page; the demo ward keeps Decree 30's defaults (its
    drafts come from docflow's Annex I template and pass the check)."""
    exists = session.execute(select(FormatCheckSetting.id)
                             .where(FormatCheckSetting.organisation_id == organisation_id).limit(1)).first()
    if exists is not None:
        return False
    now = now or utc_now()
    session.add_all(FormatCheckSetting(organisation_id=organisation_id, code=code, is_blocking=False, updated_at=now)
                    for code in formatcheck.ALL_CODES)
    session.flush()
    return True


def restore_defaults(session: Session, *, organisation_id: int) -> None:
    """Forget the ward's policy: Decree 30's defaults hold again (tests, and a ward starting over). Flushes."""
    for row in session.execute(select(FormatCheckSetting)
                               .where(FormatCheckSetting.organisation_id == organisation_id)).scalars():
        session.delete(row)
    session.flush()
