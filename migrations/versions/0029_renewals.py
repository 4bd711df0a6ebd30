"""renewals: B-LTA renewal versions and the runs that make them (issue 14 §2)

document_versions.kind: "" for a version a step of the flows made, "renewal" for the issued bytes with only
validation data and a document timestamp appended (its parent_id is the version renewed). renewal_runs: each
run of the renewal (organisation_id like every table) with its counts and its per-version report.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("document_versions") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=20), server_default="", nullable=False))
    op.create_table(
        "renewal_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("margin_days", sa.Integer(), nullable=False),
        sa.Column("renewed", sa.Integer(), nullable=False),
        sa.Column("not_due", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_renewal_runs_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["started_by_id"], ["users.id"], name=op.f("fk_renewal_runs_started_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewal_runs")),
    )
    op.create_index("ix_renewal_runs_org_started", "renewal_runs", ["organisation_id", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_renewal_runs_org_started", table_name="renewal_runs")
    op.drop_table("renewal_runs")
    with op.batch_alter_table("document_versions") as batch:
        batch.drop_column("kind")
