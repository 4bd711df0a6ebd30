"""seal_images: the ward's real seal image and its diameter (Decree 30, Annex I: the seal at real size)

The organisation signature showed a drawn placeholder about 27 mm across. An administrator now uploads the
ward's seal (a transparent red PNG, kept in the store under its SHA-256) with its diameter (30-45 mm, 35 by
default); each upload or change is a row, the latest is the seal in use. organisation_id like every table.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seal_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("diameter_mm", sa.Float(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_seal_images_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_seal_images_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seal_images")),
    )
    op.create_index("ix_seal_images_organisation_id_id", "seal_images", ["organisation_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_seal_images_organisation_id_id", table_name="seal_images")
    op.drop_table("seal_images")
