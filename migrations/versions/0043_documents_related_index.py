"""The documents that replace, correct or answer a document, found by index (issue 16 §4)

Every document page asks which documents stand in a relation to it (``related_document_id``, ``relation``).
Without an index that was a scan of every ward's documents: 235 ms at 400,000 documents in the load bench
(bench/LOAD.md), 0.05 ms with it.

Revision ID: 0043_related
Revises: 0042_rls
Create Date: 2026-12-06
"""
from __future__ import annotations

from alembic import op

revision = "0043_related"
down_revision = "0042_rls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_documents_related", "documents", ["related_document_id", "relation"])


def downgrade() -> None:
    op.drop_index("ix_documents_related", table_name="documents")
