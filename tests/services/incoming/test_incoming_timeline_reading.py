"""The typed reading of the audit events the incoming timeline shows: each kind of event's details become
one small value, and events the timeline does not show read as None. No database needed."""

from __future__ import annotations

from datetime import date

from docflow.errors import InvalidTransitionError, WrongKindError
from docflow.models import AuditEvent
from docflow.models.routing import ACTIVE_ASSIGNMENT_STATUSES, AssignmentStatus
from docflow.services import incoming
from docflow.services.audit import AuditAction
from docflow.services.incoming.timeline import (
    Completed,
    Directed,
    DirectedTo,
    Forwarded,
    OpinionAdded,
    Registered,
    VersionAdded,
    read_event,
)


def _event(action: AuditAction, **details: object) -> AuditEvent:
    return AuditEvent(action=str(action), details=details)


def test_a_direction_reads_its_assignees_with_their_deadlines() -> None:
    read = read_event(_event(AuditAction.DOCUMENT_DIRECTED, assignments=[
        {"assignment_id": 7, "role": "lead", "department_id": 3, "user_id": None, "deadline": "2026-03-10"},
        {"assignment_id": 8, "role": "info", "department_id": None, "user_id": 5, "deadline": None}]))
    assert read == Directed((DirectedTo(7, "lead", None, 3, date(2026, 3, 10)), DirectedTo(8, "info", 5, None, None)))


def test_a_forward_and_a_proposed_forward_differ_only_in_waiting_for_a_leader() -> None:
    details = {"assignment_id": 1, "to_assignment_id": 2, "to_user_id": None, "to_department_id": 4, "opinion_id": 9}
    done = read_event(_event(AuditAction.ASSIGNMENT_FORWARDED, **details))
    proposed = read_event(_event(AuditAction.ASSIGNMENT_FORWARD_PROPOSED, **details))
    assert done == Forwarded(1, 9, None, 4)
    assert proposed == Forwarded(1, 9, None, 4, awaiting_leader=True)


def test_opinions_completions_numbers_and_versions_read_with_their_defaults() -> None:
    reply = read_event(_event(AuditAction.OPINION_ADDED, assignment_id=3, opinion_id=4, kind="reply",
                              reply_document_id=12))
    assert reply == OpinionAdded(3, 4, is_reply=True, reply_document_id=12)
    assert read_event(_event(AuditAction.OPINION_ADDED, assignment_id=3, opinion_id=5, kind="opinion")) \
        == OpinionAdded(3, 5, is_reply=False, reply_document_id=None)
    assert read_event(_event(AuditAction.ASSIGNMENT_COMPLETED, assignment_id=3)) == Completed(3, False, None)
    assert read_event(_event(AuditAction.ASSIGNMENT_COMPLETED, assignment_id=3, document_completed=True,
                             via_assignment_id=6)) == Completed(3, True, 6)
    assert read_event(_event(AuditAction.INCOMING_REGISTERED)) == Registered(0)
    assert read_event(_event(AuditAction.DOCUMENT_VERSION_ADDED, version=2)) == VersionAdded(2)


def test_events_the_timeline_does_not_show_read_as_none() -> None:
    assert read_event(_event(AuditAction.DOCUMENT_VIEWED, version=1)) is None
    assert set(incoming.TIMELINE_ACTIONS) >= {AuditAction.DOCUMENT_DIRECTED, AuditAction.ASSIGNMENT_ESCALATED}


def test_scope_is_a_str_enum_with_the_old_values() -> None:
    assert [str(s) for s in incoming.SCOPES] == ["open", "mine", "all"]
    assert incoming.Scope.OPEN == "open"


def test_active_assignment_statuses_are_open_and_in_progress() -> None:
    assert ACTIVE_ASSIGNMENT_STATUSES == (AssignmentStatus.OPEN, AssignmentStatus.IN_PROGRESS)


def test_a_wrong_kind_is_still_an_invalid_transition() -> None:
    assert issubclass(WrongKindError, InvalidTransitionError)
