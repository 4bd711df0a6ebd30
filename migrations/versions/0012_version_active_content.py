"""document_versions.active_content: what the upload check found (JavaScript, launch actions, embedded files)

A PDF with active content is accepted (it is evidence) but flagged on the document page and never shown
inline. Versions stored before this revision were not checked for it and keep "" (none found).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("document_versions",
                  sa.Column("active_content", sa.String(length=100), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("document_versions", "active_content")
