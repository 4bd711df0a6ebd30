"""attachments and copies: attachments and appendices as files of their own, and the ward's copies

Decree 30, Annex I: an attachment or appendix issued as a separate file carries the organisation's text
signature (R29, R30); copies (sao y, sao lục, trích sao) take a number in one series a year (R15) and the
text signature of their form (R45). Both tables carry the ward's organisation_id.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    _attachments()
    _copies()


def _attachments() -> None:
    t = "attachments"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("attachment", "appendix", name="attachmentkind", native_enum=False,
                                  create_constraint=False, length=24), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_sha256", sa.String(length=64), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("step_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=8), server_default="", nullable=False),
        _fk(t, "organisation_id", "organisations"), _fk(t, "document_id", "documents"),
        _fk(t, "created_by_id", "users"), _fk(t, "signed_by_id", "users"),
        _fk(t, "certificate_id", "certificates"), _fk(t, "step_id", "routing_steps"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("document_id", "kind", "ordinal", name=op.f("uq_attachments_document_id_kind_ordinal")),
    )
    op.create_index(op.f("ix_attachments_document_id"), t, ["document_id"])


def _copies() -> None:
    t = "document_copies"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("number_symbol", sa.String(length=100), nullable=False),
        sa.Column("form", sa.Enum("sao_y", "sao_luc", "trich_sao", name="copyform", native_enum=False,
                                  create_constraint=False, length=24), nullable=False),
        sa.Column("source", sa.Enum("electronic", "paper", name="copysource", native_enum=False,
                                    create_constraint=False, length=24), nullable=False),
        sa.Column("original_document_id", sa.Integer(), nullable=True),
        sa.Column("original_reference", sa.String(length=500), nullable=False),
        sa.Column("pages", sa.String(length=200), server_default="", nullable=False),
        sa.Column("copying_body", sa.String(length=300), nullable=False),
        sa.Column("copy_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=True),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), server_default="", nullable=False),
        _fk(t, "organisation_id", "organisations"), _fk(t, "original_document_id", "documents"),
        _fk(t, "certificate_id", "certificates"), _fk(t, "made_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_copies")),
        # Decree 30 (R15): one copy series a year for the ward, across SY, SL and TrS
        sa.UniqueConstraint("organisation_id", "year", "number",
                            name=op.f("uq_document_copies_organisation_id_year_number")),
    )
    op.create_index("ix_document_copies_original", t, ["original_document_id"])


def downgrade() -> None:
    op.drop_index("ix_document_copies_original", table_name="document_copies")
    op.drop_table("document_copies")
    op.drop_index(op.f("ix_attachments_document_id"), table_name="attachments")
    op.drop_table("attachments")
