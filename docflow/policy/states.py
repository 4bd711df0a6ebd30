"""Which moves of a document's state go forward: a recall or replacement freezes a document, and an issued
one never goes back to an earlier state. Services move a document's status only through ``move_status``."""

from __future__ import annotations

from docflow.errors import N_, InvalidTransitionError
from docflow.models import Document, DocumentStatus

S = DocumentStatus

# Every forward move. A recall or replacement of an issued document freezes its delivered copies too,
# whatever their handling had reached.
FORWARD: dict[DocumentStatus, frozenset[DocumentStatus]] = {
    S.DRAFT: frozenset({S.IN_REVIEW, S.AWAITING_SIGNATURE}),
    S.IN_REVIEW: frozenset({S.AWAITING_SIGNATURE}),
    S.AWAITING_SIGNATURE: frozenset({S.SIGNED}),
    S.SIGNED: frozenset({S.ISSUED}),
    S.ISSUED: frozenset({S.RECALLED, S.REPLACED}),
    S.REGISTERED: frozenset({S.IN_PROGRESS, S.RECALLED, S.REPLACED}),
    S.FOR_INFORMATION: frozenset({S.RECALLED, S.REPLACED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.RECALLED, S.REPLACED}),
    S.COMPLETED: frozenset({S.RECALLED, S.REPLACED}),
    S.RECALLED: frozenset(),
    S.REPLACED: frozenset(),
}
# The outgoing route's own backward moves (a return to the drafter, a new round after a change), before issue.
ROUTE_OPEN = frozenset({S.DRAFT, S.IN_REVIEW, S.AWAITING_SIGNATURE, S.SIGNED})
ROUTE_RESTARTS = frozenset({S.DRAFT, S.IN_REVIEW, S.AWAITING_SIGNATURE})


def is_forward(old: DocumentStatus, new: DocumentStatus) -> bool:
    """Staying put, or a forward move."""
    return old is new or new in FORWARD[old]


def move_status(document: Document, new: DocumentStatus, *, route_restart: bool = False) -> None:
    """Set ``document.status`` to ``new`` if that goes forward, or (``route_restart``) if it is the outgoing
    route's return or restart of a document not yet issued; the caller audits the move.

    Raises InvalidTransitionError for any other backward move.
    """
    old = document.status
    restart = route_restart and old in ROUTE_OPEN and new in ROUTE_RESTARTS
    if not (is_forward(old, new) or restart):
        raise InvalidTransitionError(N_("An issued, completed, recalled or replaced document never goes back "
                                        "to an earlier state."))
    document.status = new
