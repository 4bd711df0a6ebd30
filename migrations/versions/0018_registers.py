"""registers: receipt source and note, series, year-end closing, the number's uniqueness

Issue 12, section 4. An incoming document's receipt time is docflow's clock at registration; the clerk's
"received on paper at" note is kept beside it (documents.receipt_source, receipt_note). A register's numbers
run per series (register_series: a ward's configured series, one by default); documents.series names the
series a number belongs to, and one unique index makes register + series + number unique (the register row
is one register for one year). register_closings keeps the signed register of a closed year.

Revision ID: 0018
Revises: 0013
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("receipt_source", sa.String(length=20), server_default="", nullable=False))
        batch.add_column(sa.Column("receipt_note", sa.String(length=300), server_default="", nullable=False))
    op.execute("UPDATE documents SET receipt_source = 'system' WHERE kind = 'incoming' AND register_number IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("receipt_note")
        batch.drop_column("receipt_source")
