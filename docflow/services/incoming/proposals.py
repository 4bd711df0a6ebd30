"""Completing an incoming document in two steps (Decree 30, Articles 23–24; R43–R44): co-handlers record
their contributions and mark their part done; the lead proposes completion with a result; the head who
assigned the lead (or the leader who directed, where no head assigned) accepts it, and the document
completes, or returns it with a reason to the lead, who may propose again.

Deadlines are judged at the proposal that is accepted: Article 24 holds the handler to resolve the document
within the time limit, and the handler's resolution is the result he proposes; the time the head takes to
accept it is not the handler's delay. The acceptance records that state and its own date.
"""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.config import Settings
from docflow.errors import N_, InvalidTransitionError, NotFoundError, PermissionDeniedError
from docflow.exchange import Status
from docflow.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    CompletionProposal,
    Contribution,
    Document,
    DocumentStatus,
    ProposalStatus,
    User,
    utc_now,
)
from docflow.models.routing import ACTIVE_ASSIGNMENT_STATUSES
from docflow.services import documents as doc_service
from docflow.services.audit import AuditAction
from docflow.services.documents import UploadedFile
from docflow.services.exchange import status as exchange_status
from docflow.services.incoming.assignments import acting, attach_reply, holds, open_children, start
from docflow.services.incoming.common import (
    ASK_ACCEPT,
    WORK_ASKS,
    clean_text,
    digest,
    get_assignment,
    notify,
    record,
    settle,
)
from docflow.services.incoming.deadlines import completion_state, local_date
from docflow.storage import DocumentStore


def pending_proposal(session: Session, document_id: int) -> CompletionProposal | None:
    return session.execute(select(CompletionProposal).where(
        CompletionProposal.document_id == document_id,
        CompletionProposal.status == ProposalStatus.PROPOSED)).scalar_one_or_none()


def contributions_of(session: Session, document_id: int) -> list[Contribution]:
    return list(session.execute(select(Contribution).where(Contribution.document_id == document_id)
                                .order_by(Contribution.id)).scalars())


def open_contribution_file(session: Session, *, actor: User, document_id: int, contribution_id: int,
                           store: DocumentStore) -> tuple[Contribution, BinaryIO]:
    """A contribution's file, for someone who may see the document. Raises NotFoundError."""
    doc_service.get_document_for(session, actor=actor, document_id=document_id)
    contribution = session.get(Contribution, contribution_id)
    if contribution is None or contribution.document_id != document_id or contribution.file_sha256 is None:
        raise NotFoundError(N_("This file does not exist."))
    return contribution, store.open(contribution.file_sha256)


def may_decide(session: Session, actor: User, proposal: CompletionProposal) -> bool:
    """The head who holds the department's assignment the lead works under, or the leader who directed it;
    never the one who proposed."""
    if not actor.is_active or actor.is_read_only or actor.id == proposal.proposed_by_id:
        return False
    assignment = session.get(Assignment, proposal.assignment_id)
    if assignment is None:
        return False
    if assignment.parent_id is not None:
        parent = session.get(Assignment, assignment.parent_id)
        return parent is not None and (holds(actor, parent) or actor.id == parent.assigned_by_id)
    return actor.id == assignment.assigned_by_id


def contribute(session: Session, *, actor: User, assignment_id: int, body: str, file: UploadedFile | None = None,
               done: bool = False, expected_row_version: int | None = None,
               now: datetime | None = None) -> Contribution:
    """A co-handler records a contribution (text, optional checked PDF already in the store) on their own
    assignment and, with ``done``, marks their part done. Raises PermissionDeniedError,
    InvalidTransitionError, ConflictError, ValidationError. Flushes."""
    now = now or utc_now()
    document, assignment = acting(session, actor=actor, assignment_id=assignment_id,
                                  expected_row_version=expected_row_version)
    if assignment.role is not AssignmentRole.CO:
        raise InvalidTransitionError(N_("Contributions are recorded on a co-handling assignment; the lead "
                                        "proposes completion with the result."))
    body = clean_text(body, "body", required=True, message=N_("Write your contribution."))
    stored = file.stored if file is not None else None
    contribution = Contribution(organisation_id=document.organisation_id, document_id=document.id,
                                assignment_id=assignment.id, author_id=actor.id, body=body,
                                file_sha256=stored.sha256 if stored else None,
                                file_name=(file.filename or "")[:255] if file and stored else "",
                                file_size=stored.size if stored else None, marked_done=done, created_at=now)
    session.add(contribution)
    start(assignment)
    if done:
        _part_done(session, assignment, body, now)
    session.flush()
    record(session, AuditAction.CONTRIBUTION_ADDED, actor, document, now, assignment_id=assignment.id,
           contribution_id=contribution.id, body_sha256=digest(body), file_sha256=contribution.file_sha256,
           done=done)
    return contribution


def _part_done(session: Session, assignment: Assignment, body: str, now: datetime) -> None:
    """A co-handler's part is done: their open handlers' work ends, and the co-handling department's share
    is done too when its last handler is."""
    for child in open_children(session, assignment):
        child.status, child.completed_at = AssignmentStatus.CANCELLED, now
    assignment.status, assignment.completed_at, assignment.result = AssignmentStatus.COMPLETED, now, body
    parent = session.get(Assignment, assignment.parent_id) if assignment.parent_id is not None else None
    if parent is not None and parent.status in ACTIVE_ASSIGNMENT_STATUSES and not open_children(session, parent):
        parent.status, parent.completed_at, parent.result = AssignmentStatus.COMPLETED, now, body


def propose_completion(session: Session, *, actor: User, assignment_id: int, result: str, settings: Settings,
                       reply_document_id: int | None = None, expected_row_version: int | None = None,
                       now: datetime | None = None) -> CompletionProposal:
    """The lead proposes to complete the document with ``result`` (and optionally the reply). Raises
    PermissionDeniedError, InvalidTransitionError, ConflictError, ValidationError. Flushes."""
    now = now or utc_now()
    document, assignment = acting(session, actor=actor, assignment_id=assignment_id,
                                  expected_row_version=expected_row_version)
    if assignment.role is not AssignmentRole.LEAD:
        raise PermissionDeniedError(N_("Only the lead handler (chủ trì) proposes the completion of the document."))
    result = clean_text(result, "result", required=True, message=N_("Write the result of the handling."))
    if pending_proposal(session, document.id) is not None:
        raise InvalidTransitionError(N_("A completion is already awaiting acceptance."))
    if reply_document_id is not None:
        reply = doc_service.get_document_for(session, actor=actor, document_id=reply_document_id)
        if reply.related_document_id != document.id:
            attach_reply(session, actor=actor, assignment_id=assignment.id, reply_document_id=reply_document_id,
                         now=now)
    proposal = CompletionProposal(organisation_id=document.organisation_id, document_id=document.id,
                                  assignment_id=assignment.id, proposed_by_id=actor.id, result=result,
                                  reply_document_id=reply_document_id, proposed_at=now)
    session.add(proposal)
    start(assignment)
    session.flush()
    record(session, AuditAction.COMPLETION_PROPOSED, actor, document, now, proposal_id=proposal.id,
           assignment_id=assignment.id, result_sha256=digest(result), reply_document_id=reply_document_id,
           state=completion_state(settings, assignment.deadline, local_date(settings, now)))
    notify(session, document, _deciders(session, assignment, actor), ASK_ACCEPT, summary=document.summary[:120])
    return proposal


def _deciders(session: Session, assignment: Assignment, actor: User) -> list[User]:
    parent = session.get(Assignment, assignment.parent_id) if assignment.parent_id is not None else None
    decider_id = parent.assigned_by_id if parent is not None and parent.assignee_id is not None \
        else assignment.assigned_by_id
    users = [session.get(User, decider_id)]
    return [u for u in users if u is not None and u.id != actor.id]


def _deciding(session: Session, *, actor: User, proposal_id: int) -> tuple[Document, CompletionProposal]:
    """Lock the document, then the proposal, and check that ``actor`` decides it and it still awaits."""
    document_id = session.execute(select(CompletionProposal.document_id)
                                  .where(CompletionProposal.id == proposal_id)).scalar_one_or_none()
    if document_id is None:
        raise NotFoundError(N_("This proposal does not exist."))
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id, lock=True)
    proposal = session.execute(select(CompletionProposal).where(CompletionProposal.id == proposal_id)
                               .with_for_update().execution_options(populate_existing=True)).scalar_one()
    if actor.id == proposal.proposed_by_id:
        raise PermissionDeniedError(N_("You cannot accept or return your own proposal."))
    if not may_decide(session, actor, proposal):
        raise PermissionDeniedError(N_("Only the head who assigned the lead, or the leader who directed, "
                                       "accepts or returns this completion."))
    if proposal.status is not ProposalStatus.PROPOSED or document.status is not DocumentStatus.IN_PROGRESS:
        raise InvalidTransitionError(N_("This proposal has been decided already."))
    return document, proposal


def return_completion(session: Session, *, actor: User, proposal_id: int, reason: str,
                      now: datetime | None = None) -> CompletionProposal:
    """Send the proposal back to the lead with ``reason``. Raises NotFoundError, PermissionDeniedError,
    InvalidTransitionError, ValidationError. Flushes."""
    now = now or utc_now()
    document, proposal = _deciding(session, actor=actor, proposal_id=proposal_id)
    reason = clean_text(reason, "reason", required=True, message=N_("Write why the completion is returned."))
    proposal.status, proposal.decided_by_id, proposal.decided_at = ProposalStatus.RETURNED, actor.id, now
    proposal.return_reason = reason
    settle(session, document, (ASK_ACCEPT,), now)
    session.flush()
    record(session, AuditAction.COMPLETION_RETURNED, actor, document, now, proposal_id=proposal.id,
           assignment_id=proposal.assignment_id, reason_sha256=digest(reason))
    notify(session, document, [proposal.proposed_by], N_("Completion returned: %(summary)s"),
           summary=document.summary[:120])
    return proposal


def accept_completion(session: Session, *, actor: User, proposal_id: int, settings: Settings,
                      now: datetime | None = None) -> CompletionProposal:
    """Accept the lead's proposal: the lead's assignment (and the department's above it) completes with the
    result, what is still open on the document ends, and the document completes. Raises NotFoundError,
    PermissionDeniedError, InvalidTransitionError. Flushes."""
    now = now or utc_now()
    document, proposal = _deciding(session, actor=actor, proposal_id=proposal_id)
    assignment = get_assignment(session, proposal.assignment_id, lock=True)
    proposal.status, proposal.decided_by_id, proposal.decided_at = ProposalStatus.ACCEPTED, actor.id, now
    finished = [assignment]
    if assignment.parent_id is not None:
        finished.append(get_assignment(session, assignment.parent_id, lock=True))
    for done in finished:
        done.status, done.completed_at, done.result = AssignmentStatus.COMPLETED, now, proposal.result
    closed = _close_remaining(session, document, now)
    policy.move_status(document, DocumentStatus.COMPLETED)
    document.updated_at = now
    settle(session, document, WORK_ASKS, now)
    session.flush()
    # On time or late as of the proposal accepted (Article 24: the handler's resolution), see the docstring.
    proposed_on = local_date(settings, proposal.proposed_at)
    for done in finished:
        record(session, AuditAction.ASSIGNMENT_COMPLETED, actor, document, now, assignment_id=done.id,
               role=done.role.value, deadline=done.deadline.isoformat() if done.deadline else None,
               state=completion_state(settings, done.deadline, proposed_on), result_sha256=digest(proposal.result),
               proposal_id=proposal.id, via_assignment_id=assignment.id if done is not assignment else None)
    record(session, AuditAction.COMPLETION_ACCEPTED, actor, document, now, proposal_id=proposal.id,
           assignment_id=assignment.id, document_completed=True, closed=[c.id for c in closed],
           state=completion_state(settings, assignment.deadline, proposed_on))
    notify(session, document, [proposal.proposed_by], N_("Document completed: %(summary)s"),
           summary=document.summary[:120])
    exchange_status.notify_sender(session, document, Status.COMPLETED, now, settings=settings, actor=actor)
    return proposal


def _close_remaining(session: Session, document: Document, now: datetime) -> list[Assignment]:
    """Co-handlers' and for-information assignments still open when the completion is accepted end with the
    document (their contributions stay recorded)."""
    remaining = list(session.execute(select(Assignment).where(
        Assignment.document_id == document.id,
        Assignment.status.in_((AssignmentStatus.OPEN, AssignmentStatus.IN_PROGRESS, AssignmentStatus.PENDING)))
        .order_by(Assignment.id).with_for_update()).scalars())
    for item in remaining:
        item.status, item.completed_at = AssignmentStatus.CANCELLED, now
    return remaining

