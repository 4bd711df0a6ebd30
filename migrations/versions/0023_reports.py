"""reports: indexes for the figures of the dashboard and `docflow report` (issue 13, §2)

The completed lead work of a period is read through a partial index on the department-level assignments
(parent_id IS NULL) that carries every column the figures read from the assignment; the documents issued and
registered in a period through (kind, time) indexes, and the incoming documents that work joins to through a
(kind, organisation, id) index that carries the receipt time. bench/DASHBOARD.md has the measurements that
asked for them.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    top_level = sa.text("parent_id IS NULL")
    op.create_index("ix_assignments_top_completed", "assignments",
                    ["role", "status", "completed_at", "deadline", "department_id", "assignee_id", "document_id"],
                    postgresql_where=top_level, sqlite_where=top_level)
    op.create_index("ix_documents_kind_issued", "documents", ["kind", "issued_at", "organisation_id", "doc_type"])
    op.create_index("ix_documents_kind_received", "documents",
                    ["kind", "received_at", "organisation_id", "doc_type"])
    # PostgreSQL hashed every incoming document by a sequential scan to join the period's work (111 of 165 ms
    # at 100,000 documents): from this index alone it reads them in 5 ms
    op.create_index("ix_documents_kind_work", "documents",
                    ["kind", "organisation_id", "id", "received_at", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_documents_kind_work", table_name="documents")
    op.drop_index("ix_documents_kind_received", table_name="documents")
    op.drop_index("ix_documents_kind_issued", table_name="documents")
    op.drop_index("ix_assignments_top_completed", table_name="assignments")
