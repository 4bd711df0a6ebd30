"""Operations: what /ready and /metrics read from the database (issue 16 §3)."""

from docflow.services.ops.status import (
    QueueDepth,
    checkpoint_age_seconds,
    database_reachable,
    queue_depths,
    queue_reachable,
    scrape_registry,
)

__all__ = ["QueueDepth", "checkpoint_age_seconds", "database_reachable", "queue_depths", "queue_reachable",
           "scrape_registry"]
