"""imported documents: what `docflow import` brought in from the previous system (issue 14 §4)

One row per imported document with its key in the previous system (kind, register series, year, number,
symbol: unique per ward, so a rerun recognises it), the PDF's SHA-256, the signer's name as written there and
the signature verification's outcome at import.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imported_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("register", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("signer_name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("signatures", sa.String(length=20), nullable=False),
        sa.Column("signature_problem", sa.String(length=500), server_default="", nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_imported_documents_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name=op.f("fk_imported_documents_document_id_documents")),
        sa.ForeignKeyConstraint(["imported_by_id"], ["users.id"],
                                name=op.f("fk_imported_documents_imported_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_documents")),
        sa.UniqueConstraint("organisation_id", "kind", "register", "year", "number", "symbol",
                            name="uq_imported_documents_key"),
        sa.UniqueConstraint("document_id", name=op.f("uq_imported_documents_document_id")),
    )


def downgrade() -> None:
    op.drop_table("imported_documents")
