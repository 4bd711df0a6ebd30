"""version_sources: the .docx / .odt a draft version was converted from, kept beside its PDF

A drafter uploads a Word or OpenDocument file; docflow converts it to PDF/A-2b with LibreOffice and keeps
the source (by its sha256 in the content store) with its name and media type, one per version; the ward's
organisation_id like every table.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "version_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("conversion_ms", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_version_sources_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["version_id"], ["document_versions.id"],
                                name=op.f("fk_version_sources_version_id_document_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_version_sources")),
        sa.UniqueConstraint("version_id", name=op.f("uq_version_sources_version_id")),
    )
    op.create_index(op.f("ix_version_sources_organisation_id"), "version_sources", ["organisation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_version_sources_organisation_id"), table_name="version_sources")
    op.drop_table("version_sources")
