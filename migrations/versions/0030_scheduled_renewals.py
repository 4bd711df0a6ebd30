"""scheduled renewals: a renewal run started by docflow itself (issue 14 §2)

`docflow run` renews every ward's due issued versions once a day ([archive] renew_at); such a run has no user
behind it, so renewal_runs.started_by_id and the renewal version's document_versions.created_by_id may be NULL
(shown as "docflow").

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("renewal_runs") as batch:
        batch.alter_column("started_by_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("document_versions") as batch:
        batch.alter_column("created_by_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("document_versions") as batch:
        batch.alter_column("created_by_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("renewal_runs") as batch:
        batch.alter_column("started_by_id", existing_type=sa.Integer(), nullable=False)
