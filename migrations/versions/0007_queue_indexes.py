"""queues: indexes that answer the "to direct" and "sent and followed" queues from the index alone

The documents a user sent are found by (created_by_id, kind, status) instead of every document the user
ever created; the documents a user directed by (assigned_by_id, status, document_id) without reading the
assignments; "to direct" reads (status, kind, organisation_id, urgency, deadline, id) in order. Plain
CREATE/DROP INDEX on both databases (a batch rebuild on SQLite would drop the search triggers).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""
from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_documents_created_by", table_name="documents")
    op.create_index("ix_documents_created_by_kind", "documents", ["created_by_id", "kind", "status"])
    op.create_index("ix_documents_queue", "documents",
                    ["status", "kind", "organisation_id", "urgency", "deadline", "id"])
    op.drop_index("ix_assignments_assigned_by", table_name="assignments")
    op.create_index("ix_assignments_assigned_by", "assignments", ["assigned_by_id", "status", "document_id"])


def downgrade() -> None:
    op.drop_index("ix_assignments_assigned_by", table_name="assignments")
    op.create_index("ix_assignments_assigned_by", "assignments", ["assigned_by_id", "status"])
    op.drop_index("ix_documents_queue", table_name="documents")
    op.drop_index("ix_documents_created_by_kind", table_name="documents")
    op.create_index("ix_documents_created_by", "documents", ["created_by_id"])
