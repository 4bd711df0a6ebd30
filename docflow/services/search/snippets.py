"""Where in a document its terms were found, and the words around them: the texts of the documents on one
page of results (metadata, pages, the thread) are read back and matched again in Python, term by term as
the database did, to pick the best of them and cut a snippet with the matches marked.

A snippet is a tuple of (text, marked) pieces of the stored text: the web page escapes every piece and puts
<mark> around the marked ones, the command line joins them; nothing read from a PDF is ever markup."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from docflow.models import Assignment, Contribution, Document, Opinion, PageText, User
from docflow.services.search.query import Query, Term

WINDOW = 90            # characters of context each side of the first match
_WORD = re.compile(r"[^\W_]+")
_SPACES = re.compile(r"\s+")

Snippet = tuple[tuple[str, bool], ...]
_Words = tuple[list[int], list[int], list[str], dict[str, list[int]]]


@dataclass(frozen=True)
class Unit:
    """One searchable text of a document: ``kind`` is metadata, page, instruction, contribution, or the
    opinion kind of a thread entry (opinion, comment, directive, forward, reply)."""
    kind: str
    document_id: int
    body: str
    page_no: int | None = None
    author: str = ""


def units_of(session: Session, documents: list[Document]) -> dict[int, list[Unit]]:
    """Every searchable text of ``documents`` (already checked as visible to the reader)."""
    ids = [d.id for d in documents]
    units: dict[int, list[Unit]] = defaultdict(list)
    for d in documents:
        units[d.id].append(Unit("metadata", d.id, " — ".join(p for p in (d.number_symbol, d.summary,
                                                                         d.issuing_body) if p)))
    for document_id, page_no, body in session.execute(
            select(PageText.document_id, PageText.page_no, PageText.body).where(PageText.document_id.in_(ids))
            .order_by(PageText.document_id, PageText.page_no)):
        units[document_id].append(Unit("page", document_id, body, page_no=page_no))
    thread = [
        select(Opinion.document_id, Opinion.kind, Opinion.body, User.full_name)
        .join(User, User.id == Opinion.author_id).where(Opinion.document_id.in_(ids)).order_by(Opinion.id),
        select(Assignment.document_id, literal("instruction"), Assignment.instruction, User.full_name)
        .join(User, User.id == Assignment.assigned_by_id)
        .where(Assignment.document_id.in_(ids), Assignment.instruction != "").order_by(Assignment.id),
        select(Contribution.document_id, literal("contribution"), Contribution.body, User.full_name)
        .join(User, User.id == Contribution.author_id).where(Contribution.document_id.in_(ids))
        .order_by(Contribution.id),
    ]
    for stmt in thread:
        for document_id, kind, body, author in session.execute(stmt):
            units[document_id].append(Unit(str(kind), document_id, body, author=author))
    return units


class Matcher:
    """The terms of one search matched against texts, as the database matched them. What it works out of a
    text (its folded form, its words, whether it has a term) is kept in this object only, for the call that
    made it: the best unit, the best page and the snippet ask the same of each text, and no page text
    outlives the search that read it."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, Term], bool] = {}
        self._folds: dict[str, str] = {}
        self._words: dict[str, _Words] = {}
        self._patterns: dict[tuple[str, ...], re.Pattern[str]] = {}

    def found_terms(self, unit: Unit, query: Query) -> int:
        """How many of the query's terms ``unit`` has."""
        return sum(1 for term in query.terms if self._has(unit.body, term))

    def has_term(self, units: list[Unit], term: Term) -> bool:
        """One of ``units`` has ``term`` (a quoted phrase: its words in a row and its accents as typed)."""
        return any(self._has(u.body, term) for u in units)

    def best_unit(self, units: list[Unit], query: Query) -> Unit:
        """The unit with the most terms; on a tie the first (metadata, then pages in order, then the thread)."""
        return max(units, key=lambda u: self.found_terms(u, query))

    def best_page(self, units: list[Unit], query: Query) -> int | None:
        pages = [(self.found_terms(u, query), -(u.page_no or 0), u.page_no) for u in units if u.kind == "page"]
        best = max(pages, default=(0, 0, None))
        return best[2] if best[0] else None

    def snippet(self, body: str, query: Query) -> Snippet:
        """The words around the first match in ``body``, every match inside marked."""
        spans = sorted(span for term in query.terms for span in self._spans(body, term))
        if not spans:
            return ((_shorten(body, 2 * WINDOW), False),)
        start = max(0, spans[0][0] - WINDOW)
        end = min(len(body), spans[0][1] + WINDOW)
        pieces: list[tuple[str, bool]] = [("… ", False)] if start else []
        at = start
        for begin, finish in spans:
            if begin < at or finish > end:
                continue
            pieces += [(body[at:begin], False), (body[begin:finish], True)]
            at = finish
        pieces.append((body[at:end], False))
        if end < len(body):
            pieces.append((" …", False))
        return tuple((_SPACES.sub(" ", text), marked) for text, marked in pieces if text)

    def _has(self, body: str, term: Term) -> bool:
        """``body`` has ``term`` (what _spans finds, without splitting the text into words)."""
        key = (body, term)
        if key not in self._found:
            self._found[key] = self._search(body, term)
        return self._found[key]

    def _search(self, body: str, term: Term) -> bool:
        if term.exact and not any(v in body for v in term.variants()):
            return False
        folded = self._folded(body)
        if any(word not in folded for word in term.words):      # a plain substring search first: most texts
            return False
        return self._pattern(term.words).search(folded) is not None

    def _pattern(self, words: tuple[str, ...]) -> re.Pattern[str]:
        """The folded words in a row, each whole (no letter or digit either side), as _WORD splits them."""
        if words not in self._patterns:
            self._patterns[words] = re.compile(
                r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, words)) + r"(?![^\W_])")
        return self._patterns[words]

    def _spans(self, body: str, term: Term) -> list[tuple[int, int]]:
        """The (start, end) spans of ``body`` where ``term`` is found."""
        folded = self._folded(body)
        if any(word not in folded for word in term.words):      # most texts: no need to split them into words
            return []
        starts, ends, words, where = self._words_with_places(body)
        size = len(term.words)
        spans = [(starts[i], ends[i + size - 1]) for i in where.get(term.words[0], ())
                 if size == 1 or tuple(words[i:i + size]) == term.words]
        if term.exact and spans:
            if not any(v in body for v in term.variants()):
                return []
            spans = [s for s in spans if body[s[0]:s[1]] in term.variants()] or spans
        return spans

    def _words_with_places(self, body: str) -> _Words:
        """The folded words of ``body`` with where each starts and ends in ``body`` itself, and each word's
        positions in that list."""
        if body in self._words:
            return self._words[body]
        text = self._folded(body)
        # Where every character folds to exactly one (Vietnamese always does), places in the folded text are
        # places in the body; otherwise each folded character is traced back to the one it came from.
        origin = None if _IRREGULAR.isdisjoint(body) else [i for i, char in enumerate(body)
                                                           for _ in _FOLD[ord(char)]]
        starts: list[int] = []
        ends: list[int] = []
        words: list[str] = []
        where: dict[str, list[int]] = defaultdict(list)
        for match in _WORD.finditer(text):
            where[match.group()].append(len(words))
            start, end = match.span()
            starts.append(origin[start] if origin else start)
            ends.append(origin[end - 1] + 1 if origin else end)
            words.append(match.group())
        found = self._words[body] = (starts, ends, words, dict(where))
        return found

    def _folded(self, body: str) -> str:
        """``body`` folded character by character (lower case, no marks, đ → d), by str.translate."""
        if body not in self._folds:
            self._folds[body] = body.translate(_FOLD)
        return self._folds[body]


def plain(pieces: Snippet) -> str:
    """The snippet as plain text (the command line, exports)."""
    return "".join(text for text, _ in pieces).strip()


def _shorten(text: str, size: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[:size].rsplit(" ", 1)[0] + " …"


def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFD", char.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _FoldTable(dict[int, str]):
    """str.translate's table: each character to its folded text, worked out when first seen."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))     # each character once for the process: a bounded table
        if len(folded) != 1:
            _IRREGULAR.add(chr(code))
        return folded


_FOLD = _FoldTable()
_IRREGULAR: set[str] = set()      # the characters seen so far that fold to none or to more than one
