"""The incoming page's timeline, read from the document's audit events.

Each event's ``details`` is read once into a small typed value (one per kind of event: registered,
directed, forwarded, ...); the timeline entry is then made from that value and the document's assignments
and opinions, never from the raw dict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_
from docflow.models import (
    Assignment,
    AuditEvent,
    CompletionProposal,
    Contribution,
    Department,
    Document,
    DocumentKind,
    Opinion,
    OpinionKind,
    User,
)
from docflow.services import registers
from docflow.services.audit import AuditAction
from docflow.services.incoming.deadlines import local_date, step_state

Details = dict[str, Any]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    what: str                                   # a msgid, with ``params``
    params: dict[str, Any]
    body: str = ""                              # the instruction, opinion, note or result
    state: str | None = None                    # on_time / at_risk / late, against the step's deadline
    assignees: tuple[tuple[str, str, date | None], ...] = ()   # a direction: (role, holder, deadline)
    link_document_id: int | None = None


# -- the events, read ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Uploaded:
    """The document's upload: on the timeline only as the sending of an internal memo."""

    @classmethod
    def read(cls, details: Details) -> Uploaded:
        return cls()


@dataclass(frozen=True)
class Registered:
    number: int

    @classmethod
    def read(cls, details: Details) -> Registered:
        return cls(number=details.get("number", 0))


@dataclass(frozen=True)
class DirectedTo:
    """One assignee of a direction, as the direction recorded it."""
    assignment_id: int | None
    role: str
    user_id: int | None
    department_id: int | None
    deadline: date | None


@dataclass(frozen=True)
class Directed:
    assignees: tuple[DirectedTo, ...]

    @classmethod
    def read(cls, details: Details) -> Directed:
        return cls(tuple(DirectedTo(assignment_id=a.get("assignment_id"), role=a["role"], user_id=a.get("user_id"),
                                    department_id=a.get("department_id"),
                                    deadline=date.fromisoformat(a["deadline"]) if a.get("deadline") else None)
                         for a in details.get("assignments", [])))


@dataclass(frozen=True)
class HandlerAssigned:
    assignment_id: int | None

    @classmethod
    def read(cls, details: Details) -> HandlerAssigned:
        return cls(assignment_id=details.get("assignment_id"))


@dataclass(frozen=True)
class OpinionAdded:
    assignment_id: int | None
    opinion_id: int | None
    is_reply: bool                    # an outgoing document attached as the reply
    reply_document_id: int | None

    @classmethod
    def read(cls, details: Details) -> OpinionAdded:
        return cls(assignment_id=details.get("assignment_id"), opinion_id=details.get("opinion_id"),
                   is_reply=details.get("kind") == OpinionKind.REPLY,
                   reply_document_id=details.get("reply_document_id"))


@dataclass(frozen=True)
class Forwarded:
    assignment_id: int | None
    opinion_id: int | None
    to_user_id: int | None
    to_department_id: int | None
    awaiting_leader: bool = False     # a proposal: a confidential document leaving its department

    @classmethod
    def read(cls, details: Details) -> Forwarded:
        return cls(assignment_id=details.get("assignment_id"), opinion_id=details.get("opinion_id"),
                   to_user_id=details.get("to_user_id"), to_department_id=details.get("to_department_id"))

    @classmethod
    def read_proposal(cls, details: Details) -> Forwarded:
        return replace(cls.read(details), awaiting_leader=True)


@dataclass(frozen=True)
class Completed:
    assignment_id: int | None
    document_completed: bool
    via_assignment_id: int | None     # a department's share completed by its last handler's completion
    proposal_id: int | None = None    # completed by an accepted proposal: the acceptance tells it

    @classmethod
    def read(cls, details: Details) -> Completed:
        return cls(assignment_id=details.get("assignment_id"),
                   document_completed=bool(details.get("document_completed")),
                   via_assignment_id=details.get("via_assignment_id"), proposal_id=details.get("proposal_id"))


@dataclass(frozen=True)
class Contributed:
    """A co-handler's contribution, and whether it marked their part done."""
    assignment_id: int | None
    contribution_id: int | None
    done: bool

    @classmethod
    def read(cls, details: Details) -> Contributed:
        return cls(assignment_id=details.get("assignment_id"), contribution_id=details.get("contribution_id"),
                   done=bool(details.get("done")))


@dataclass(frozen=True)
class ProposalDecided:
    """The lead's proposal of completion (``kind`` "proposed"), its acceptance or its return."""
    kind: str
    proposal_id: int | None
    state: str | None                 # on time or late, as of the proposal

    @classmethod
    def proposed(cls, details: Details) -> ProposalDecided:
        return cls("proposed", details.get("proposal_id"), details.get("state"))

    @classmethod
    def accepted(cls, details: Details) -> ProposalDecided:
        return cls("accepted", details.get("proposal_id"), details.get("state"))

    @classmethod
    def returned(cls, details: Details) -> ProposalDecided:
        return cls("returned", details.get("proposal_id"), None)


@dataclass(frozen=True)
class Escalated:
    @classmethod
    def read(cls, details: Details) -> Escalated:
        return cls()


@dataclass(frozen=True)
class VersionAdded:
    version: int | None

    @classmethod
    def read(cls, details: Details) -> VersionAdded:
        return cls(version=details.get("version"))


TimelineEvent = (Uploaded | Registered | Directed | HandlerAssigned | OpinionAdded | Forwarded | Completed
                 | Escalated | VersionAdded | Contributed | ProposalDecided)

READERS: dict[str, Callable[[Details], TimelineEvent]] = {
    AuditAction.DOCUMENT_UPLOADED: Uploaded.read,
    AuditAction.INCOMING_REGISTERED: Registered.read,
    AuditAction.DOCUMENT_DIRECTED: Directed.read,
    AuditAction.ASSIGNMENT_CREATED: HandlerAssigned.read,
    AuditAction.OPINION_ADDED: OpinionAdded.read,
    AuditAction.ASSIGNMENT_FORWARDED: Forwarded.read,
    AuditAction.ASSIGNMENT_FORWARD_PROPOSED: Forwarded.read_proposal,
    AuditAction.ASSIGNMENT_COMPLETED: Completed.read,
    AuditAction.ASSIGNMENT_ESCALATED: Escalated.read,
    AuditAction.DOCUMENT_VERSION_ADDED: VersionAdded.read,
    AuditAction.CONTRIBUTION_ADDED: Contributed.read,
    AuditAction.COMPLETION_PROPOSED: ProposalDecided.proposed,
    AuditAction.COMPLETION_ACCEPTED: ProposalDecided.accepted,
    AuditAction.COMPLETION_RETURNED: ProposalDecided.returned,
}
TIMELINE_ACTIONS = tuple(READERS)


def read_event(event: AuditEvent) -> TimelineEvent | None:
    """The typed reading of one of the document's audit events; None for events the timeline does not show."""
    reader = READERS.get(event.action)
    return reader(event.details) if reader is not None else None


# -- the entries ------------------------------------------------------------------------------------------------


class Names:
    """Holders' names for one page: people by id, departments by id, loaded once."""

    def __init__(self, session: Session, user_ids: Iterable[int | None], department_ids: Iterable[int | None]) -> None:
        uids = {i for i in user_ids if i is not None}
        dids = {i for i in department_ids if i is not None}
        self.users = {u.id: u.full_name for u in session.execute(select(User).where(User.id.in_(uids))).scalars()} \
            if uids else {}
        self.departments = {d.id: d.name for d in session.execute(
            select(Department).where(Department.id.in_(dids))).scalars()} if dids else {}

    def holder(self, user_id: int | None, department_id: int | None) -> str:
        if user_id is not None:
            return self.users.get(user_id, "?")
        return self.departments.get(department_id or 0, "?")


@dataclass(frozen=True)
class _Page:
    """What every entry of one document's timeline is made with."""
    document: Document
    assignments: dict[int, Assignment]
    opinions: dict[int, Opinion]
    names: Names
    settings: Settings
    proposals: dict[int, CompletionProposal]
    contributions: dict[int, Contribution]

    def assignment(self, assignment_id: int | None) -> Assignment | None:
        return self.assignments.get(assignment_id or 0)

    def deadline(self, assignment_id: int | None) -> date | None:
        assignment = self.assignment(assignment_id)
        return assignment.deadline if assignment is not None else None

    def opinion_body(self, opinion_id: int | None) -> str:
        opinion = self.opinions.get(opinion_id or 0)
        return opinion.body if opinion is not None else ""

    def state(self, deadline: date | None, at: datetime, *, done: bool = False) -> str | None:
        return step_state(self.settings, deadline, on=local_date(self.settings, at), done=done)


def timeline(session: Session, document: Document, assignments: dict[int, Assignment], settings: Settings
             ) -> list[TimelineEntry]:
    """The document's history as the incoming page shows it, oldest first."""
    events = list(session.execute(select(AuditEvent).where(
        AuditEvent.object_type == "document", AuditEvent.object_id == str(document.id),
        AuditEvent.action.in_([str(a) for a in TIMELINE_ACTIONS])).order_by(AuditEvent.seq)).scalars())
    reads = [(event, read_event(event)) for event in events]
    forwards = [read for _, read in reads if isinstance(read, Forwarded)]
    opinions = {o.id: o for o in session.execute(select(Opinion).where(Opinion.document_id == document.id)).scalars()}
    user_ids: list[int | None] = [e.actor_id for e in events] + [a.assignee_id for a in assignments.values()]
    names = Names(session, user_ids + [f.to_user_id for f in forwards],
                  [a.department_id for a in assignments.values()] + [f.to_department_id for f in forwards])
    proposals = {p.id: p for p in session.execute(select(CompletionProposal).where(
        CompletionProposal.document_id == document.id)).scalars()}
    contributions = {c.id: c for c in session.execute(select(Contribution).where(
        Contribution.document_id == document.id)).scalars()}
    page = _Page(document, assignments, opinions, names, settings, proposals, contributions)
    entries = []
    for event, read in reads:
        entry = _entry(page, event, read) if read is not None else None
        if entry is not None:
            entries.append(entry)
    return entries


def _entry(page: _Page, event: AuditEvent, read: TimelineEvent) -> TimelineEntry | None:
    who = page.names.users.get(event.actor_id, event.actor_name) if event.actor_id else "docflow"
    at = event.occurred_at
    match read:
        case Uploaded():
            if page.document.kind is not DocumentKind.INTERNAL:
                return None
            return TimelineEntry(at, who, N_("Memo sent"), params={})
        case Registered(number=number):
            return TimelineEntry(at, who, N_("Registered as incoming no. %(number)s"),
                                 params={"number": registers.format_number(number)})
        case Directed():
            return _directed(page, read, at, who)
        case HandlerAssigned():
            return _handler_assigned(page, read, at, who)
        case OpinionAdded():
            return _opinion(page, read, at, who)
        case Forwarded():
            return _forwarded(page, read, at, who)
        case Completed():
            return _completed(page, read, at, who)
        case Escalated():
            return TimelineEntry(at, who, N_("Escalated: the deadline has passed"), params={}, state="late")
        case VersionAdded(version=version):
            return TimelineEntry(at, who, N_("Version %(n)s added"), params={"n": version})
        case Contributed():
            contribution = page.contributions.get(read.contribution_id or 0)
            what = N_("Contribution; part done") if read.done else N_("Contribution")
            return TimelineEntry(at, who, what, params={}, body=contribution.body if contribution else "")
        case ProposalDecided():
            return _proposal(page, read, at, who)
    return None


PROPOSAL_WHAT = {"proposed": N_("Completion proposed, awaiting acceptance"),
                 "accepted": N_("Completion accepted; the document is completed"),
                 "returned": N_("Completion returned to the lead")}


def _proposal(page: _Page, read: ProposalDecided, at: datetime, who: str) -> TimelineEntry:
    proposal = page.proposals.get(read.proposal_id or 0)
    body = "" if proposal is None else (proposal.return_reason if read.kind == "returned" else proposal.result)
    return TimelineEntry(at, who, PROPOSAL_WHAT[read.kind], params={}, body=body, state=read.state,
                         link_document_id=proposal.reply_document_id if proposal and read.kind == "proposed" else None)


def _directed(page: _Page, read: Directed, at: datetime, who: str) -> TimelineEntry:
    directed = tuple((a.role, page.names.holder(a.user_id, a.department_id), a.deadline) for a in read.assignees)
    first = page.assignment(read.assignees[0].assignment_id) if read.assignees else None
    return TimelineEntry(at, who, N_("Directed"), params={}, body=first.instruction if first else "",
                         assignees=directed)


def _handler_assigned(page: _Page, read: HandlerAssigned, at: datetime, who: str) -> TimelineEntry | None:
    assignment = page.assignment(read.assignment_id)
    if assignment is None:
        return None
    return TimelineEntry(at, who, N_("Assigned to %(name)s"),
                         params={"name": page.names.holder(assignment.assignee_id, assignment.department_id)},
                         body=assignment.instruction, state=page.state(page.deadline(assignment.parent_id), at))


def _opinion(page: _Page, read: OpinionAdded, at: datetime, who: str) -> TimelineEntry:
    state = page.state(page.deadline(read.assignment_id), at)
    if read.is_reply:
        return TimelineEntry(at, who, N_("Reply attached"), params={}, body=page.opinion_body(read.opinion_id),
                             state=state, link_document_id=read.reply_document_id)
    return TimelineEntry(at, who, N_("Opinion"), params={}, body=page.opinion_body(read.opinion_id), state=state)


def _forwarded(page: _Page, read: Forwarded, at: datetime, who: str) -> TimelineEntry:
    what = N_("Forwarded to %(name)s, awaiting a leader's confirmation") if read.awaiting_leader \
        else N_("Forwarded to %(name)s")
    return TimelineEntry(at, who, what, params={"name": page.names.holder(read.to_user_id, read.to_department_id)},
                         body=page.opinion_body(read.opinion_id),
                         state=page.state(page.deadline(read.assignment_id), at))


def _completed(page: _Page, read: Completed, at: datetime, who: str) -> TimelineEntry | None:
    assignment = page.assignment(read.assignment_id)
    if assignment is None or read.proposal_id is not None:
        return None
    what = N_("Completed; the document is completed") if read.document_completed else N_("Completed")
    return TimelineEntry(at, who, what, params={}, body=assignment.result if not read.via_assignment_id else "",
                         state=page.state(assignment.deadline, at, done=True),
                         assignees=((assignment.role.value,
                                     page.names.holder(assignment.assignee_id, assignment.department_id),
                                     assignment.deadline),))
