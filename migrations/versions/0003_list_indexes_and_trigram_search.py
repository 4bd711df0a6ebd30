"""indexes for sorted lists; trigram search index (FTS5 on SQLite, pg_trgm on PostgreSQL)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# External-content FTS5 table over documents.search_text, kept in step by triggers. The trigram
# tokenizer lets LIKE '%…%' use the index (SQLite ≥ 3.34).
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE documents_fts USING fts5(search_text, content='documents', content_rowid='id', "
    "tokenize='trigram')",
    "INSERT INTO documents_fts(rowid, search_text) SELECT id, search_text FROM documents",
    "CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN "
    "INSERT INTO documents_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN "
    "INSERT INTO documents_fts(documents_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER documents_fts_update AFTER UPDATE OF search_text ON documents BEGIN "
    "INSERT INTO documents_fts(documents_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO documents_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch_op:
        batch_op.drop_index("ix_documents_document_date")
        batch_op.create_index("ix_documents_date_id", ["document_date", "id"])
        batch_op.create_index("ix_documents_created_id", ["created_at", "id"])
        batch_op.create_index("ix_documents_created_by", ["created_by_id"])
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    else:
        # pg_trgm is a trusted extension (PostgreSQL ≥ 13): the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_documents_search_trgm ON documents USING gin (search_text gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("documents_fts_insert", "documents_fts_delete", "documents_fts_update"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE documents_fts")
    else:
        op.execute("DROP INDEX ix_documents_search_trgm")
    with op.batch_alter_table("documents") as batch_op:
        batch_op.drop_index("ix_documents_created_by")
        batch_op.drop_index("ix_documents_created_id")
        batch_op.drop_index("ix_documents_date_id")
        batch_op.create_index("ix_documents_document_date", ["document_date"])
