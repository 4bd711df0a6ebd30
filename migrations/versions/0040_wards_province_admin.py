"""The province administrator (issue 16 §1)

One deployment serves many wards; an administrator marked ``province_admin`` (an admin account of the first
ward, marked by `docflow wards admin USERNAME`) creates wards and their first administrators. Every other
administrator manages only their own ward.

Revision ID: 0040_wards
Revises: 0039_queue
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040_wards"
down_revision = "0039_queue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("province_admin", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("province_admin")
