"""exchange_outbox: edXML messages to other agencies waiting for (or past) delivery (issue 15 §1)

Each message is kept in its row from the transaction that produced it; a sender claims it, delivers it over
HTTPS with mutual TLS or into a folder, and records the outcome: retries with back-off until the partner
confirms, so nothing is lost if the receiver is down or docflow restarts.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("partner_organ_id", sa.String(length=13), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_exchange_outbox_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["recipient_id"], ["recipients.id"],
                                name=op.f("fk_exchange_outbox_recipient_id_recipients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_outbox")),
    )
    op.create_index(op.f("ix_exchange_outbox_organisation_id"), "exchange_outbox", ["organisation_id"])
    op.create_index(op.f("ix_exchange_outbox_recipient_id"), "exchange_outbox", ["recipient_id"])
    op.create_index("ix_exchange_outbox_status_next", "exchange_outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_exchange_outbox_status_next", table_name="exchange_outbox")
    op.drop_index(op.f("ix_exchange_outbox_recipient_id"), table_name="exchange_outbox")
    op.drop_index(op.f("ix_exchange_outbox_organisation_id"), table_name="exchange_outbox")
    op.drop_table("exchange_outbox")
