"""Work queues per role: what is waiting for the signed-in user, urgent first, then by deadline; and the
home page made of them.

catalogue.py (the queues of each role, their titles, the values of a page), queries.py (the SQL: counts,
pages, previews), home.py (each role's home page).
"""

from docflow.services.documents import COUNT_LIMIT
from docflow.services.queues.catalogue import (
    PAGE_SIZE,
    PREVIEW_SIZE,
    QUEUE_INFO,
    ROLE_QUEUES,
    TASK_LABELS,
    Day,
    QueueInfo,
    QueueItem,
    QueueName,
    QueuePage,
    queues_for,
)
from docflow.services.queues.home import QueueCard, cards_for, recent_documents, recent_events
from docflow.services.queues.limits import Limit, LimitItem, issue_due, presentation_due, time_limits
from docflow.services.queues.queries import count_queue, count_queues, list_queue, preview_queue

__all__ = [
    "COUNT_LIMIT", "Limit", "LimitItem", "PAGE_SIZE", "PREVIEW_SIZE", "QUEUE_INFO", "ROLE_QUEUES", "TASK_LABELS", "Day", "QueueCard",
    "QueueInfo", "QueueItem", "QueueName", "QueuePage", "cards_for", "count_queue", "count_queues", "list_queue",
    "issue_due", "presentation_due", "preview_queue", "queues_for", "recent_documents", "recent_events",
    "time_limits",
]
