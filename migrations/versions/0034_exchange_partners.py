"""exchange with other agencies: partners, edXML messages, the received documents' inbox, and each partner
recipient's status (issue 15 §1)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "exchange_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("organ_id", sa.String(length=13), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("trust_root_pem", sa.Text(), nullable=False),
        sa.Column("trust_root_sha256", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=500), server_default="", nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        _when("added_at"),
        _fk("exchange_partners", "organisation_id", "organisations"),
        _fk("exchange_partners", "added_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_partners")),
        sa.UniqueConstraint("organisation_id", "organ_id", name=op.f("uq_exchange_partners_organisation_id_organ_id")),
    )
    op.create_table(
        "exchange_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("partner_organ_id", sa.String(length=13), nullable=False),
        sa.Column("document_ref", sa.String(length=300), nullable=False),
        sa.Column("status_code", sa.String(length=2), server_default="", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        _when("created_at"),
        _fk("exchange_messages", "organisation_id", "organisations"),
        _fk("exchange_messages", "document_id", "documents"),
        _fk("exchange_messages", "recipient_id", "recipients"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_messages")),
        sa.UniqueConstraint("organisation_id", "direction", "message_id",
                            name=op.f("uq_exchange_messages_organisation_id_direction_message_id")),
    )
    op.create_index("ix_exchange_messages_document", "exchange_messages", ["document_id"])
    op.create_index("ix_exchange_messages_recipient", "exchange_messages", ["recipient_id"])
    op.create_table(
        "exchange_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("message_row_id", sa.Integer(), nullable=False),
        sa.Column("partner_organ_id", sa.String(length=13), nullable=False),
        sa.Column("sender_name", sa.String(length=300), nullable=False),
        sa.Column("document_ref", sa.String(length=300), nullable=False),
        sa.Column("header_json", sa.Text(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_name", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        _when("recall_requested_at", nullable=True),
        sa.Column("recall_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("replaces_inbox_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        _when("received_at"),
        _when("decided_at", nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        _fk("exchange_inbox", "organisation_id", "organisations"),
        _fk("exchange_inbox", "message_row_id", "exchange_messages"),
        _fk("exchange_inbox", "replaces_inbox_id", "exchange_inbox"),
        _fk("exchange_inbox", "document_id", "documents"),
        _fk("exchange_inbox", "decided_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_inbox")),
        sa.UniqueConstraint("organisation_id", "partner_organ_id", "document_ref",
                            name=op.f("uq_exchange_inbox_organisation_id_partner_organ_id_document_ref")),
    )
    op.create_index("ix_exchange_inbox_document", "exchange_inbox", ["document_id"])
    op.create_table(
        "exchange_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("partner_organ_id", sa.String(length=13), nullable=False),
        sa.Column("document_ref", sa.String(length=300), nullable=False),
        sa.Column("status_code", sa.String(length=2), server_default="", nullable=False),
        _when("status_at", nullable=True),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        _fk("exchange_deliveries", "organisation_id", "organisations"),
        _fk("exchange_deliveries", "recipient_id", "recipients"),
        _fk("exchange_deliveries", "document_id", "documents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_deliveries")),
        sa.UniqueConstraint("recipient_id", name=op.f("uq_exchange_deliveries_recipient_id")),
    )
    op.create_index("ix_exchange_deliveries_ref", "exchange_deliveries",
                    ["organisation_id", "partner_organ_id", "document_ref"])


def downgrade() -> None:
    op.drop_table("exchange_deliveries")
    op.drop_table("exchange_inbox")
    op.drop_table("exchange_messages")
    op.drop_table("exchange_partners")
