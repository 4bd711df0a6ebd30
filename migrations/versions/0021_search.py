"""full-text search: word indexes over page texts, metadata and the thread; saved searches (R53)

Every searchable text is folded (textsearch.fold: lower case, no diacritics, đ → d) and split into words of
letters and digits; an unquoted query word must equal one of them, a quoted phrase must find its words in a
row (and its accented text in the unfolded column). Both engines index exactly that split:

- SQLite: one external-content FTS5 table per source (page_texts.folded, documents.search_text,
  opinions.folded, assignments.instruction_folded, contributions.folded), tokenizer unicode61, kept in step
  by triggers. unicode61 over folded text was chosen over trigram by measuring (bench/SEARCH.md): words,
  not substrings, are what the query means; over the same 50,000 pages the index was a quarter of
  trigram's size (28 MB / 123 MB), built 3-4x faster and answered a phrase 16x faster.
- PostgreSQL: a stored generated column search_fts_words = to_tsvector('simple', regexp_replace(col,
  '[^[:alnum:]]+', ' ', 'g')) per source, with a GIN index: the same words (no stemming, no stop words,
  'simple'), phrases with <->. pg_trgm answers substrings,
  not words (and "dat" would find "dat" inside "datum"); unaccent would fold differently from fold() (đ, and
  the PostgreSQL dictionary's idea of Vietnamese), so the column folded in Python is indexed instead.

The thread's texts get a folded column each (kept by the models' validators), backfilled here.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from docflow import textsearch

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# (index name, table, folded column, the column it is folded from)
SOURCES = [
    ("search_fts_pages", "page_texts", "folded", "body"),
    ("search_fts_documents", "documents", "search_text", None),
    ("search_fts_opinions", "opinions", "folded", "body"),
    ("search_fts_assignments", "assignments", "instruction_folded", "instruction"),
    ("search_fts_contributions", "contributions", "folded", "body"),
]
# PostgreSQL: the words of each source, stored (a generated column) so that a phrase's recheck and a
# common word's many rows read the tsvector instead of computing it again from the text (measured: about
# 1 ms a page); the models do not declare it (docflow.migrations.UNDECLARED).
WORDS = "search_fts_words"
FOLDED_COLUMNS = [(table, column, source) for _, table, column, source in SOURCES if table not in
                  ("page_texts", "documents")]


def _sqlite_fts(name: str, table: str, column: str) -> list[str]:
    return [
        f"CREATE VIRTUAL TABLE {name} USING fts5({column}, content='{table}', content_rowid='id', "
        "tokenize='unicode61')",
        f"INSERT INTO {name}(rowid, {column}) SELECT id, {column} FROM {table}",
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {name}(rowid, {column}) VALUES (new.id, new.{column}); END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {name}({name}, rowid, {column}) VALUES ('delete', old.id, old.{column}); END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {column} ON {table} BEGIN "
        f"INSERT INTO {name}({name}, rowid, {column}) VALUES ('delete', old.id, old.{column}); "
        f"INSERT INTO {name}(rowid, {column}) VALUES (new.id, new.{column}); END",
    ]


def _backfill(table: str, column: str, source: str) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, {source} FROM {table}")).all()
    for row_id, value in rows:
        bind.execute(sa.text(f"UPDATE {table} SET {column} = :folded WHERE id = :id"),
                     {"folded": textsearch.fold(value or ""), "id": row_id})


def upgrade() -> None:
    for table, column, source in FOLDED_COLUMNS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column(column, sa.Text(), server_default="", nullable=False))
        _backfill(table, column, source)
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("query", sa.String(length=500), nullable=False),
        sa.Column("filters_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_saved_searches_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_saved_searches_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
    )
    op.create_index("ix_saved_searches_user", "saved_searches", ["user_id", "name"])
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, table, column, _ in SOURCES:
        if sqlite:
            for statement in _sqlite_fts(name, table, column):
                op.execute(statement)
        else:
            op.execute(f"ALTER TABLE {table} ADD COLUMN {WORDS} tsvector GENERATED ALWAYS AS "
                       f"(to_tsvector('simple', regexp_replace({column}, '[^[:alnum:]]+', ' ', 'g'))) STORED")
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({WORDS})")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, table, _, _ in SOURCES:
        if sqlite:
            for suffix in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {name}_{suffix}")
            op.execute(f"DROP TABLE {name}")
        else:
            op.execute(f"DROP INDEX {name}")
            op.execute(f"ALTER TABLE {table} DROP COLUMN {WORDS}")
    op.drop_index("ix_saved_searches_user", table_name="saved_searches")
    op.drop_table("saved_searches")
    for table, column, _ in FOLDED_COLUMNS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column(column)
