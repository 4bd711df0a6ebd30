"""registers: receipt source and note, series, year-end closing, the number's uniqueness

Issue 12, section 4. An incoming document's receipt time is docflow's clock at registration; the clerk's
"received on paper at" note is kept beside it (documents.receipt_source, receipt_note). A register's numbers
run per series (register_series: a ward's configured series, one by default); documents.series names the
series a number belongs to, and one unique index makes register + series + number unique (the register row
is one register for one year). register_closings keeps the signed register of a closed year.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("receipt_source", sa.String(length=20), server_default="", nullable=False))
        batch.add_column(sa.Column("receipt_note", sa.String(length=300), server_default="", nullable=False))
        batch.add_column(sa.Column("series", sa.String(length=20), server_default="", nullable=False))
    op.execute("UPDATE documents SET receipt_source = 'system' WHERE kind = 'incoming' AND register_number IS NOT NULL")
    op.create_index("uq_documents_register_series_number", "documents", ["register_id", "series", "register_number"],
                    unique=True)
    op.create_table(
        "register_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("register_kind", sa.String(length=24), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("rule", sa.String(length=24), nullable=False),
        sa.Column("doc_type", sa.String(length=30), server_default="", nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_register_series_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_series")),
        sa.UniqueConstraint("organisation_id", "register_kind", "code",
                            name=op.f("uq_register_series_organisation_id_register_kind_code")),
    )
    op.create_table(
        "register_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=20), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_register_counters_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["register_id"], ["registers.id"],
                                name=op.f("fk_register_counters_register_id_registers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_counters")),
        sa.UniqueConstraint("register_id", "series", name=op.f("uq_register_counters_register_id_series")),
    )
    op.create_table(
        "register_closings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_register_closings_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["register_id"], ["registers.id"],
                                name=op.f("fk_register_closings_register_id_registers")),
        sa.ForeignKeyConstraint(["closed_by_id"], ["users.id"], name=op.f("fk_register_closings_closed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_closings")),
        sa.UniqueConstraint("register_id", name=op.f("uq_register_closings_register_id")),
    )


def downgrade() -> None:
    op.drop_table("register_closings")
    op.drop_table("register_counters")
    op.drop_table("register_series")
    op.drop_index("uq_documents_register_series_number", table_name="documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("series")
        batch.drop_column("receipt_note")
        batch.drop_column("receipt_source")
