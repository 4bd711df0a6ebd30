"""Incoming documents (văn bản đến) and internal memos.

registration.py (the clerk's số đến and the duplicate warning), direction.py (a leader's direction, an
internal memo), assignments.py (the checks every action takes, naming a handler, opinions, replies),
forwarding.py (forwards, and a leader's confirmation of a confidential one), completion.py (completing an
assignment; the lead's proposes), proposals.py (contributions, the lead's proposal, its acceptance or return), timeline.py (the history read from the audit log),
queries.py (the incoming page and the lists), deadlines.py and common.py (what they share).
"""

from docflow.services.incoming.assignments import add_opinion, assign_handler, attach_reply, can_act, holds
from docflow.services.incoming.common import MAX_TEXT, WORKFLOW_KINDS
from docflow.services.incoming.completion import complete_assignment
from docflow.services.incoming.deadlines import completion_state, default_deadline, local_date, step_state
from docflow.services.incoming.direction import Direction, Target, direct_document, send_internal
from docflow.services.incoming.forwarding import confirm_forward, decline_forward, forward_assignment
from docflow.services.incoming.phrases import add_phrase, list_phrases, move_phrase, remove_phrase, with_phrase
from docflow.services.incoming.proposals import (
    accept_completion,
    contribute,
    contributions_of,
    may_decide,
    open_contribution_file,
    pending_proposal,
    propose_completion,
    return_completion,
)
from docflow.services.incoming.queries import (
    SCOPES,
    AssignmentRow,
    IncomingPage,
    IncomingView,
    Scope,
    assignable_people,
    list_incoming,
    reply_choices,
    urgency_order,
    view_incoming,
)
from docflow.models import ReceiptSource
from docflow.services.incoming.registration import (
    DuplicateIncomingError,
    Registration,
    find_duplicates,
    number_label,
    receipt_time,
    register_incoming,
)
from docflow.services.incoming.timeline import TIMELINE_ACTIONS, TimelineEntry
from docflow.services.people.eligibility import HANDLER_ROLES, department_heads, department_members

__all__ = [
    "HANDLER_ROLES", "MAX_TEXT", "SCOPES", "TIMELINE_ACTIONS", "WORKFLOW_KINDS", "AssignmentRow", "Direction",
    "DuplicateIncomingError", "IncomingPage", "IncomingView", "ReceiptSource", "Registration", "Scope", "Target", "TimelineEntry",
    "accept_completion", "contribute", "contributions_of", "may_decide", "open_contribution_file", "pending_proposal", "propose_completion", "return_completion",
    "add_opinion", "assign_handler", "assignable_people", "attach_reply", "can_act", "complete_assignment",
    "completion_state", "confirm_forward", "decline_forward", "default_deadline", "department_heads",
    "department_members", "direct_document", "find_duplicates", "forward_assignment", "holds",
    "list_incoming", "local_date", "number_label", "receipt_time", "register_incoming", "reply_choices", "send_internal",
    "step_state", "urgency_order", "view_incoming",
    "add_phrase", "list_phrases", "move_phrase", "remove_phrase", "with_phrase",
]
