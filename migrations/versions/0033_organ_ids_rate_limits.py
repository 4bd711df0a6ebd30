"""organ ids and rate limits (issue 15)

The ward's organ identifier (mã định danh) moves into the database, set by `docflow init --organ-id` (the
configuration's app.organ_id still fills an empty one), for edXML exchange and R57 metadata; rate_limits counts
requests of callers without an account (public pages) and of API clients, per ward.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("organ_id", sa.String(length=13), server_default="", nullable=False))
    op.create_table(
        "rate_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_rate_limits_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limits")),
        sa.UniqueConstraint("organisation_id", "bucket", "key",
                            name=op.f("uq_rate_limits_organisation_id_bucket_key")),
    )
    op.create_index(op.f("ix_rate_limits_organisation_id"), "rate_limits", ["organisation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_limits_organisation_id"), table_name="rate_limits")
    op.drop_table("rate_limits")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("organ_id")
