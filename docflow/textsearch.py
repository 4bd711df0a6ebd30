"""Fold Vietnamese text for search: lower case, no diacritics, đ → d."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """``"Về việc ĐẤT ĐAI"`` → ``"ve viec dat dai"``; the same on every database."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def document_search_text(*parts: str | None) -> str:
    return " | ".join(fold(p) for p in parts if p)


def words(text: str) -> list[str]:
    """The search words of ``text``, folded: runs of letters and digits (``"15/QĐ-UBND"`` → 15, qd, ubnd).
    Both search engines index folded text split exactly so (FTS5's unicode61, PostgreSQL's tsvector over
    the same split), so a word means the same thing on either database."""
    return _WORD.findall(fold(text))


_WORD = re.compile(r"[^\W_]+")


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own % _ and \\ taken literally (use with escape="\\")."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
