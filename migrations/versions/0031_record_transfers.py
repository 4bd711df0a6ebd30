"""record_transfers: each archive transfer package of a closed year (issue 14 §2)

One row per package made (organisation_id like every table): the year, the manifest's SHA-256 (also in the
records.transferred audit event), who made it and when, the counts, the files included and those left out.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("included", sa.JSON(), nullable=False),
        sa.Column("left_out", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_record_transfers_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_record_transfers_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_transfers")),
    )
    op.create_index("ix_record_transfers_org_year", "record_transfers", ["organisation_id", "year"])


def downgrade() -> None:
    op.drop_index("ix_record_transfers_org_year", table_name="record_transfers")
    op.drop_table("record_transfers")
