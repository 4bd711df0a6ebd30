"""notifications: an index on (document_id, done_at) for notices.settle

Every decision (directed, decided, signed, issued, completed, recalled) marks the open notices about its
document as done; without this index that update scanned the whole notifications table.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""
from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_notifications_document_open", "notifications", ["document_id", "done_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_document_open", table_name="notifications")
