"""indexes: a department's unassigned open work (its head's queues), audit events by time (the auditor's search)

The head's "to handle" and "overdue" queues read the department's open assignments with no handler yet;
(department_id, status) alone walked every assignment the department ever had. A partial index holds just
those. The auditor's search by date range had no index on occurred_at. Creating indexes does not touch
the audit rows, which the append-only triggers of 0006 protect.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    unassigned = sa.text("assignee_id IS NULL")
    op.create_index("ix_assignments_dept_unassigned", "assignments", ["department_id", "status", "deadline"],
                    postgresql_where=unassigned, sqlite_where=unassigned)
    op.create_index("ix_audit_events_time", "audit_events", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_time", table_name="audit_events")
    op.drop_index("ix_assignments_dept_unassigned", table_name="assignments")
