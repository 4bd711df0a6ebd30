"""One searchable text per document (issue 13 §1, search at 100,000 documents): its metadata, every page's
text and its thread (opinions, instructions, contributions), folded and joined, indexed once (migration 0025:
SQLite FTS5 whose rowid is the document id; PostgreSQL a stored tsvector with a GIN index), so a search finds
its candidate documents from one index, newest first, and reads the texts of the page it shows only.

The row is rebuilt after each flush that wrote one of those texts, for each document touched, whatever the
write path (upload, OCR, opinion, direction, forwarding, contribution, metadata edit): a flush costs one read
of each touched document's texts, not a rebuild per row in a trigger; a version's pages are written in one
flush (services/textindex store_page_texts), so its document is rebuilt once (measured on PostgreSQL: 17 ms a
page when rebuilt page by page). A bulk delete is not seen here: who runs one calls refresh_document_texts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, ForeignKey, Text, bindparam, event, inspect, text
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column

from docflow.models.base import Base
from docflow.models.completion import Contribution
from docflow.models.documents import Document
from docflow.models.pagetext import PageText
from docflow.models.routing import Assignment, Opinion

SEPARATOR = " | "      # between texts: not a word, so a word never runs from one text into the next
_TEXTS = text(
    "SELECT id, 0, 0, search_text FROM documents WHERE id IN :ids "
    "UNION ALL SELECT document_id, 1, page_no, folded FROM page_texts WHERE document_id IN :ids "
    "UNION ALL SELECT document_id, 2, id, folded FROM opinions WHERE document_id IN :ids "
    "UNION ALL SELECT document_id, 3, id, instruction_folded FROM assignments WHERE document_id IN :ids "
    "UNION ALL SELECT document_id, 4, id, folded FROM contributions WHERE document_id IN :ids "
    "ORDER BY 1, 2, 3").bindparams(bindparam("ids", expanding=True))
_ORGANISATIONS = text("SELECT id, organisation_id FROM documents WHERE id IN :ids").bindparams(
    bindparam("ids", expanding=True))
_UPDATE = text("UPDATE search_texts SET folded = :folded WHERE document_id = :document_id")
_INSERT = text("INSERT INTO search_texts (document_id, organisation_id, folded) "
               "VALUES (:document_id, :organisation_id, :folded)")
_WATCHED = {PageText: "folded", Opinion: "folded", Assignment: "instruction_folded", Contribution: "folded"}


class SearchText(Base):
    __tablename__ = "search_texts"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    folded: Mapped[str] = mapped_column(Text, default="", server_default="")


def refresh_document_texts(connection: Connection, document_ids: set[int]) -> None:
    """Rebuild the search_texts row of each of ``document_ids`` from its texts as they are now (in the
    connection's transaction); a document without a row gets one."""
    ids = sorted(document_ids)
    texts: dict[int, list[str]] = defaultdict(list)
    for document_id, _, _, folded in connection.execute(_TEXTS, {"ids": ids}):
        if folded:
            texts[document_id].append(folded)
    for document_id, organisation_id in connection.execute(_ORGANISATIONS, {"ids": ids}).all():
        values = {"document_id": document_id, "organisation_id": organisation_id,
                  "folded": SEPARATOR.join(texts[document_id])}
        if connection.execute(_UPDATE, values).rowcount == 0:
            connection.execute(_INSERT, values)


def _touched(session: Session) -> set[int]:
    """The documents whose searchable texts this flush wrote."""
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Document):
            if obj in session.new or inspect(obj).attrs.search_text.history.has_changes():
                ids.add(obj.id)
            continue
        column = _WATCHED.get(type(obj))
        if column is None or obj.document_id is None:
            continue
        state = inspect(obj)
        if obj in session.new or obj in session.deleted or state.attrs[column].history.has_changes():
            ids.add(obj.document_id)
    return ids


@event.listens_for(Session, "after_flush")
def _refresh_after_flush(session: Session, flush_context: UOWTransaction, *_: Any) -> None:
    ids = _touched(session)
    if ids:
        refresh_document_texts(session.connection(), ids)
