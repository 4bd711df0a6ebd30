"""session epoch per user; folded search text per document

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _fold(text: str) -> str:
    # A frozen copy of docflow.textsearch.fold: migrations must not change when the app does.
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("documents") as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    conn = op.get_bind()
    documents = sa.table("documents", sa.column("id", sa.Integer), sa.column("summary", sa.Text),
                         sa.column("number_symbol", sa.String), sa.column("issuing_body", sa.String),
                         sa.column("search_text", sa.Text))
    rows = conn.execute(sa.select(documents.c.id, documents.c.summary, documents.c.number_symbol,
                                  documents.c.issuing_body)).all()
    for row in rows:
        text = " | ".join(_fold(p) for p in (row.summary, row.number_symbol, row.issuing_body) if p)
        conn.execute(documents.update().where(documents.c.id == row.id).values(search_text=text))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch_op:
        batch_op.drop_column("search_text")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("session_epoch")
