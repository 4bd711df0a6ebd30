"""page_texts: the searchable text of each document's pages (text layer or OCR)

One row per page of a document's newest content: the text as read (body) and folded for accent-blind
search (folded), where it came from (the PDF's text layer or OCR) and the version it was read from. The
ward's organisation_id like every table.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("page_no", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("folded", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_page_texts_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_page_texts_document_id_documents")),
        sa.ForeignKeyConstraint(["version_id"], ["document_versions.id"],
                                name=op.f("fk_page_texts_version_id_document_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_texts")),
        sa.UniqueConstraint("document_id", "page_no", name=op.f("uq_page_texts_document_id_page_no")),
    )
    op.create_index(op.f("ix_page_texts_organisation_id"), "page_texts", ["organisation_id"])
    op.create_index(op.f("ix_page_texts_version_id"), "page_texts", ["version_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_page_texts_version_id"), table_name="page_texts")
    op.drop_index(op.f("ix_page_texts_organisation_id"), table_name="page_texts")
    op.drop_table("page_texts")
