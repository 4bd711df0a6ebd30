"""search_texts: one searchable text per document, indexed once (bench/SEARCH.md: the per-text indexes of
0021_search missed p95 ≤ 100 ms by far at 10,000 documents)

Each document's metadata, page texts and thread (opinions, instructions, contributions), folded and joined
with " | ", in one row keyed by the document id (kept by docflow.models.searchtext after each flush):

- SQLite: search_fts_all, an external-content FTS5 table over search_texts.folded whose rowid is the document
  id (unicode61 as in 0021), kept by triggers on search_texts; MATCH … ORDER BY rowid DESC walks the newest
  documents straight from the index and stops at the page.
- PostgreSQL: search_texts.search_fts_words, the stored tsvector of the same split as 0021, GIN-indexed.

The per-text indexes of pages, opinions, instructions and contributions are dropped (the page shown is
checked in Python, services/search/snippets.py); the metadata index stays (hits in the document's own
metadata come first).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

WORDS = "search_fts_words"
DROPPED = [("search_fts_pages", "page_texts", "folded"), ("search_fts_opinions", "opinions", "folded"),
           ("search_fts_assignments", "assignments", "instruction_folded"),
           ("search_fts_contributions", "contributions", "folded")]
_PARTS = ("SELECT d.search_text AS t, 0 AS k, 0 AS n "
          "UNION ALL SELECT folded, 1, page_no FROM page_texts WHERE document_id = d.id "
          "UNION ALL SELECT folded, 2, id FROM opinions WHERE document_id = d.id "
          "UNION ALL SELECT instruction_folded, 3, id FROM assignments WHERE document_id = d.id "
          "UNION ALL SELECT folded, 4, id FROM contributions WHERE document_id = d.id")
FILL = {
    "sqlite": "INSERT INTO search_texts (document_id, organisation_id, folded) SELECT d.id, d.organisation_id, "
              f"coalesce((SELECT group_concat(t, ' | ') FROM ({_PARTS} ORDER BY 2, 3) WHERE t <> ''), '') "
              "FROM documents d",
    "postgresql": "INSERT INTO search_texts (document_id, organisation_id, folded) SELECT d.id, d.organisation_id, "
                  f"coalesce((SELECT string_agg(t, ' | ' ORDER BY k, n) FROM ({_PARTS}) AS parts WHERE t <> ''), "
                  "'') FROM documents d",
}


def _fts(name: str, table: str, column: str, key: str) -> list[str]:
    """An external-content FTS5 table over ``table.column`` (rowid ``key``) and the triggers keeping it."""
    return [
        f"CREATE VIRTUAL TABLE {name} USING fts5({column}, content='{table}', content_rowid='{key}', "
        "tokenize='unicode61')",
        f"INSERT INTO {name}({name}) VALUES ('rebuild')",
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {name}(rowid, {column}) VALUES (new.{key}, new.{column}); END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {name}({name}, rowid, {column}) VALUES ('delete', old.{key}, old.{column}); END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {column} ON {table} BEGIN "
        f"INSERT INTO {name}({name}, rowid, {column}) VALUES ('delete', old.{key}, old.{column}); "
        f"INSERT INTO {name}(rowid, {column}) VALUES (new.{key}, new.{column}); END",
    ]


def _words(table: str, column: str) -> str:
    return (f"ALTER TABLE {table} ADD COLUMN {WORDS} tsvector GENERATED ALWAYS AS "
            f"(to_tsvector('simple', regexp_replace({column}, '[^[:alnum:]]+', ' ', 'g'))) STORED")


def _drop(name: str, table: str, sqlite: bool) -> None:
    """Drop what _create made: the FTS5 table and its triggers, or the GIN index and the words column."""
    statements = ([f"DROP TRIGGER {name}_{event}" for event in ("insert", "delete", "update")]
                  + [f"DROP TABLE {name}"] if sqlite
                  else [f"DROP INDEX {name}", f"ALTER TABLE {table} DROP COLUMN {WORDS}"])
    for statement in statements:
        op.execute(statement)


def _create(name: str, table: str, column: str, key: str, sqlite: bool) -> None:
    if sqlite:
        for statement in _fts(name, table, column, key):
            op.execute(statement)
    else:
        op.execute(_words(table, column))
        op.execute(f"CREATE INDEX {name} ON {table} USING gin ({WORDS})")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "search_texts",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("folded", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE",
                                name=op.f("fk_search_texts_document_id_documents")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_search_texts_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_search_texts")),
    )
    op.create_index(op.f("ix_search_texts_organisation_id"), "search_texts", ["organisation_id"])
    op.execute(FILL[op.get_bind().dialect.name])
    _create("search_fts_all", "search_texts", "folded", "document_id", sqlite)
    for name, table, _ in DROPPED:
        _drop(name, table, sqlite)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, table, column in DROPPED:
        _create(name, table, column, "id", sqlite)
    _drop("search_fts_all", "search_texts", sqlite)
    op.drop_index(op.f("ix_search_texts_organisation_id"), table_name="search_texts")
    op.drop_table("search_texts")
