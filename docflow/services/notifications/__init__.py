"""Notices to users (in the app, urgent ones also by e-mail after commit) and the escalation of overdue work."""

from docflow.services.notifications.escalation import (
    MSG_OVERDUE_FOR_ASSIGNEE,
    MSG_OVERDUE_FOR_SUPERVISOR,
    STILL_BEING_WORKED_ON,
    document_label,
    escalate_overdue,
    local_today,
)
from docflow.services.notifications.notices import (
    PAGE_SIZE,
    MailOutbox,
    mail_later,
    NoticePage,
    NoticeRow,
    document_of,
    list_for,
    mark_read,
    notify,
    params_of,
    settle,
    unread_count,
)

# The name the outbox had when this was one module; tests/services/test_notifications.py still uses it.
_Outbox = MailOutbox

__all__ = ["MSG_OVERDUE_FOR_ASSIGNEE", "MSG_OVERDUE_FOR_SUPERVISOR", "PAGE_SIZE", "STILL_BEING_WORKED_ON",
           "MailOutbox", "mail_later", "NoticePage", "NoticeRow", "document_label", "document_of", "escalate_overdue",
           "list_for", "local_today", "mark_read", "notify", "params_of", "settle", "unread_count"]
