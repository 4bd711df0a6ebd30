"""docflow.textsearch: the one LIKE pattern the document list, the duplicate check and the audit log's name
search build from what a person typed."""

from __future__ import annotations

import sqlite3

from docflow import textsearch


def test_a_contains_pattern_takes_percent_underscore_and_backslash_literally() -> None:
    assert textsearch.contains_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"
    db = sqlite3.connect(":memory:")
    rows = ["giảm 50% phí", "giảm 500 phí", "a_b", "axb", "c\\d"]
    found = {typed: [r for r in rows if db.execute("SELECT ? LIKE ? ESCAPE '\\'",
                                                   (r, textsearch.contains_pattern(typed))).fetchone()[0]]
             for typed in ("50%", "a_b", "c\\d", "")}
    assert found == {"50%": ["giảm 50% phí"], "a_b": ["a_b"], "c\\d": ["c\\d"], "": rows}
