"""Moved to ``docflow.policy`` (every permission question in one place); kept so callers that import
``docflow.services.access`` keep working until the lead rewrites those imports."""

from docflow.policy.access import can_edit, can_upload, can_view, visible_filter

__all__ = ["can_edit", "can_upload", "can_view", "visible_filter"]
