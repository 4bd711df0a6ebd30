"""The job queue's jobs (issue 16 §2)

Background work handed to a broker-backed worker (`docflow worker`): one row per job with its ward, status,
attempts, progress and last error; the broker's message carries only the row's id.

Revision ID: 0039_queue
Revises: 0038
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0039_queue"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queued_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.Enum("queued", "running", "done", "failed", name="queuedjobstatus",
                                    native_enum=False, create_constraint=False, length=24), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("worker", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_queued_jobs_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queued_jobs")),
        sa.UniqueConstraint("key", name=op.f("uq_queued_jobs_key")),
    )
    op.create_index("ix_queued_jobs_organisation_id_status_created_at", "queued_jobs",
                    ["organisation_id", "status", "created_at"])
    op.create_index("ix_queued_jobs_status_updated_at", "queued_jobs", ["status", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_queued_jobs_status_updated_at", table_name="queued_jobs")
    op.drop_index("ix_queued_jobs_organisation_id_status_created_at", table_name="queued_jobs")
    op.drop_table("queued_jobs")
