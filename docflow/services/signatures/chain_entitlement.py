"""Who was entitled to sign, judged after the fact: the delegation register and the roles and posts a
person held at a moment (from the audit trail of their changes), as the chain check needs them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.errors import N_
from docflow.models import AuditEvent, Role, User
from docflow.models.routing import Delegation
from docflow.services.people import delegations
from docflow.services.audit import AuditAction
from docflow.services.signatures.chain_findings import Finding


def entitlement_at(session: Session, *, signer: User, doc_type: str, at: datetime, day: date) -> Finding | None:
    """None when ``signer`` held the right to sign a ``doc_type`` at ``at`` (``day`` in the ward's calendar):
    a delegation valid that day and not yet revoked, or the chairman's and vice-chairmen's standing rule.
    Otherwise why not. Unlike the signing-time check, a delegation revoked *after* the signature still
    counts. Reads only."""
    rows = list(session.execute(select(Delegation).where(Delegation.delegate_id == signer.id)
                                .order_by(Delegation.created_at.desc(), Delegation.id.desc())).scalars())
    if any(_held(session, d, doc_type, at, day) for d in rows):
        return None
    role, post = role_and_post_at(session, signer, at)
    folded = " ".join(post.split()).casefold()
    if role is Role.LEADER and (folded.startswith("chủ tịch") or folded.startswith("phó chủ tịch")):
        return None  # the standing rule: the chairman signs TM., a vice-chairman KT.
    lapsed = [d for d in rows if delegations.covers_type(d, doc_type)]
    for d in lapsed:
        if d.valid_to is not None and d.valid_to < day:
            return Finding.of(N_("%(name)s's delegation #%(id)s expired on %(to)s, before the signature on %(day)s."),
                              name=signer.full_name, id=d.id, to=d.valid_to.strftime("%d/%m/%Y"),
                              day=day.strftime("%d/%m/%Y"))
        if d.revoked_at is not None and d.revoked_at <= at:
            return Finding.of(N_("%(name)s's delegation #%(id)s was revoked before the signature on %(day)s."),
                              name=signer.full_name, id=d.id, day=day.strftime("%d/%m/%Y"))
    return Finding.of(N_("%(name)s held neither the role nor a valid delegation to sign this type of document "
                         "on %(day)s."), name=signer.full_name, day=day.strftime("%d/%m/%Y"))


def role_and_post_at(session: Session, user: User, at: datetime) -> tuple[Role, str]:
    """The role and post ``user`` held at ``at``: the "from" side of the first change of each recorded in the
    audit trail after that moment, else the current ones. Reads only."""
    role, post = user.role, user.post or ""
    later = session.execute(select(AuditEvent).where(
        AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id),
        AuditEvent.action == str(AuditAction.USER_UPDATED), AuditEvent.occurred_at > at)
        .order_by(AuditEvent.seq.desc())).scalars()
    for event in later:   # newest first, so the earliest change after ``at`` is applied last
        changes = event.details.get("changes") or {}
        if "role" in changes:
            role = Role(changes["role"]["from"])
        if "post" in changes:
            post = str(changes["post"]["from"] or "")
    return role, post


def _held(session: Session, delegation: Delegation, doc_type: str, at: datetime, day: date) -> bool:
    link: Delegation | None = delegation
    for _ in range(delegations.MAX_CHAIN):
        if link is None:
            return True
        if day < link.valid_from or (link.valid_to is not None and day > link.valid_to) \
                or (link.revoked_at is not None and aware(link.revoked_at) <= aware(at)) \
                or not delegations.covers_type(link, doc_type):
            return False
        link = session.get(Delegation, link.parent_id) if link.parent_id is not None else None
    return False


def aware(moment: datetime) -> datetime:
    """``moment`` with UTC as its zone when the database returned it naive (SQLite)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
