"""Fold Vietnamese text for search: lower case, no diacritics, đ → d."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """``"Về việc ĐẤT ĐAI"`` → ``"ve viec dat dai"``; the same on every database."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def document_search_text(*parts: str | None) -> str:
    return " | ".join(fold(p) for p in parts if p)
