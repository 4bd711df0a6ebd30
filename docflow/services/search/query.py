"""What a search box's text means: unquoted words, each matched on folded text (no accents, no case), and
"quoted phrases", whose words must follow one another and whose accented text must appear as typed (its
first letter or the whole phrase in capitals is accepted too). Every term must be found in the document."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from docflow import textsearch

MAX_QUERY = 200      # characters read from the box
MAX_TERMS = 8        # terms beyond these are ignored: each one is a join
_QUOTED = re.compile(r'"([^"]*)"')


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]     # folded words, in order
    exact: str = ""            # the accented phrase as typed, "" for an unquoted word

    def variants(self) -> tuple[str, ...]:
        """The spellings of an exact phrase that count as it: as typed, lower, capitalised, upper case."""
        if not self.exact:
            return ()
        text = self.exact
        found = dict.fromkeys([text, text.lower(), text[:1].upper() + text[1:].lower(), text.upper()])
        return tuple(found)


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse_query(text: str) -> Query:
    """The terms of ``text``: each quoted phrase is one term, each other word one more."""
    text = unicodedata.normalize("NFC", text[:MAX_QUERY])
    terms: list[Term] = []
    for phrase in _QUOTED.findall(text):
        phrase = " ".join(phrase.split())
        words = tuple(textsearch.words(phrase))
        if words:
            terms.append(Term(words=words, exact=phrase))
    rest = _QUOTED.sub(" ", text).replace('"', " ")
    for word in textsearch.words(rest):
        terms.append(Term(words=(word,)))
    unique = list(dict.fromkeys(terms))
    return Query(terms=tuple(unique[:MAX_TERMS]))
