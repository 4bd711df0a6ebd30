"""public verification codes (issue 15 §2)

Each outgoing, non-confidential document gets one public code (80 bits, Crockford base32) the first time it
is signed: printed in the footer with a QR code, it opens the public verification page /v/<code>.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name=op.f("fk_public_codes_document_id_documents")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_public_codes_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_public_codes_code")),
        sa.UniqueConstraint("document_id", name=op.f("uq_public_codes_document_id")),
    )
    op.create_index(op.f("ix_public_codes_organisation_id"), "public_codes", ["organisation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_public_codes_organisation_id"), table_name="public_codes")
    op.drop_table("public_codes")
