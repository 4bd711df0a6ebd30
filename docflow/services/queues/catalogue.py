"""The work queues each role has, what each is called and says when empty, and the values a queue's page
is made of (the day it is measured against, its items, the page)."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date

from docflow.errors import N_, PermissionDeniedError
from docflow.models import Document, Role, User
from docflow.models.routing import Assignment, AssignmentRole, RoutingStep, StepKind
from docflow.services.calendar import DeadlineState, WorkingCalendar

PAGE_SIZE = 25
PREVIEW_SIZE = 5
WEEKENDS_ONLY = WorkingCalendar()


class QueueName(enum.StrEnum):
    DIRECT = "direct"      # incoming documents waiting for a leader's direction
    HANDLE = "handle"      # assignments open for me, or for the department I head
    REVIEW = "review"      # active review steps assigned to me
    SIGN = "sign"          # active sign steps assigned to me
    ISSUE = "issue"        # active issue steps (clerks)
    OVERDUE = "overdue"    # my open assignments past their deadline
    FOLLOW = "follow"      # documents I created or directed, not yet finished
    INFO = "info"          # open for-information (để biết) assignments: nothing to do, kept out of HANDLE


@dataclass(frozen=True)
class QueueInfo:
    title: str   # msgid
    empty: str   # msgid: what will appear here


QUEUE_INFO: dict[QueueName, QueueInfo] = {
    QueueName.DIRECT: QueueInfo(N_("To direct"), N_("Incoming documents registered by the clerk and waiting for "
                                                    "your direction will appear here.")),
    QueueName.HANDLE: QueueInfo(N_("To handle"), N_("Documents assigned to you, or to the department you head, "
                                                    "will appear here until they are completed.")),
    QueueName.REVIEW: QueueInfo(N_("To review"), N_("Drafts submitted to you for review will appear here.")),
    QueueName.SIGN: QueueInfo(N_("To sign"), N_("Drafts submitted for your signature will appear here.")),
    QueueName.ISSUE: QueueInfo(N_("To issue"), N_("Signed documents waiting for a number and the ward's seal "
                                                  "will appear here.")),
    QueueName.OVERDUE: QueueInfo(N_("Overdue"), N_("Your open assignments past their deadline will appear here. "
                                                   "None is a good sign.")),
    QueueName.FOLLOW: QueueInfo(N_("Sent and followed"), N_("Documents you drafted, registered or directed will "
                                                            "appear here until they are completed or issued.")),
    QueueName.INFO: QueueInfo(N_("For information"), N_("Documents sent to you, or to the department you head, "
                                                        "for information only (để biết) will appear here.")),
}

# What the queue asks of the user, by assignment role or step kind.
TASK_LABELS: dict[str, str] = {
    AssignmentRole.LEAD: N_("Lead (chủ trì)"), AssignmentRole.CO: N_("Co-handle (phối hợp)"),
    AssignmentRole.INFO: N_("For information (để biết)"), StepKind.REVIEW: N_("Review"),
    StepKind.SIGN: N_("Approve and sign"), StepKind.ISSUE: N_("Number, seal and issue"),
}

ROLE_QUEUES: dict[Role, tuple[QueueName, ...]] = {
    Role.LEADER: (QueueName.SIGN, QueueName.DIRECT, QueueName.REVIEW, QueueName.HANDLE, QueueName.OVERDUE,
                  QueueName.FOLLOW, QueueName.INFO),
    Role.HEAD: (QueueName.HANDLE, QueueName.REVIEW, QueueName.OVERDUE, QueueName.FOLLOW, QueueName.INFO),
    Role.OFFICIAL: (QueueName.HANDLE, QueueName.REVIEW, QueueName.OVERDUE, QueueName.FOLLOW, QueueName.INFO),
    Role.CLERK: (QueueName.ISSUE, QueueName.HANDLE, QueueName.OVERDUE, QueueName.FOLLOW, QueueName.INFO),
    Role.ADMIN: (),
    Role.AUDITOR: (),
}

@dataclass(frozen=True)
class Day:
    """Today on the ward's working calendar: what "overdue" and "at risk" are measured against."""
    today: date
    calendar: WorkingCalendar = WEEKENDS_ONLY
    at_risk_days: int = 1

    def state(self, deadline: date | None) -> DeadlineState:
        return self.calendar.deadline_state(deadline, today=self.today, at_risk_days=self.at_risk_days)


@dataclass(frozen=True)
class QueueItem:
    document: Document
    state: DeadlineState
    assignment: Assignment | None = None
    step: RoutingStep | None = None

    @property
    def deadline(self) -> date | None:
        if self.assignment is not None:
            return self.assignment.deadline
        return self.document.handling_deadline


@dataclass(frozen=True)
class QueuePage:
    name: QueueName
    items: list[QueueItem]
    total: int          # at most COUNT_LIMIT; ``more`` says there are more
    page: int
    page_size: int
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def info(self) -> QueueInfo:
        return QUEUE_INFO[self.name]


def queues_for(user: User) -> tuple[QueueName, ...]:
    """The queues ``user``'s role has, in the order the home page shows them."""
    return ROLE_QUEUES.get(user.role, ()) if user.is_active else ()


def require(actor: User, name: QueueName) -> None:
    """Refuse a queue the actor's role does not have (PermissionDeniedError)."""
    if name not in queues_for(actor):
        raise PermissionDeniedError(N_("This work queue is not part of your role."))
