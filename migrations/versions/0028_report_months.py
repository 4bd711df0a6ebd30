"""report_months, report_versions: the figures of closed months kept for the dashboard

One row per ward, subject ("ward" or "user:<id>"), part ("work" or "documents") and closed local month: the
counts (JSON) and the sorted durations the medians merge (packed doubles), stamped with what it was built
under. report_versions holds each ward's figures version, bumped by any write that can change a closed month
(docflow/models/reportmonths.py). ix_assignments_assignee_completed: an official's work completed in the
current month, read live, without reading all he ever completed. Measured in bench/DASHBOARD.md.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("part", sa.String(length=12), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("stamp", sa.String(length=120), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("values", sa.LargeBinary(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_report_months_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_months")),
        sa.UniqueConstraint("organisation_id", "subject", "part", "month",
                            name=op.f("uq_report_months_organisation_id_subject_part_month")),
    )
    op.create_table(
        "report_versions",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_report_versions_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_report_versions")),
    )
    op.create_index("ix_assignments_assignee_completed", "assignments", ["assignee_id", "status", "completed_at"])


def downgrade() -> None:
    op.drop_index("ix_assignments_assignee_completed", table_name="assignments")
    op.drop_table("report_versions")
    op.drop_table("report_months")
