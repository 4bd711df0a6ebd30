"""A certificate subject as people read it: "Trần Văn Minh — Chủ tịch UBND phường Tích Sơn" rather than
"User ID: chutich, Common Name: Trần Văn Minh, Title: Chủ tịch, …". Reads both forms docflow keeps: pyHanko's
human-friendly text (verification reports) and RFC 4514 (certificates in the database)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Attribute names of both forms, as the keys SubjectName is built from.
_KEYS = {
    "common name": "cn", "cn": "cn", "title": "title", "t": "title", "organization": "o", "o": "o",
    "organizational unit": "ou", "ou": "ou", "user id": "uid", "uid": "uid", "country": "c", "c": "c",
}
_FRIENDLY = re.compile(r"(?:^|[,;] )(Common Name|Title|Organization|Organizational Unit|User ID|Country|"
                       r"[A-Z][A-Za-z ]+): ")


@dataclass(frozen=True)
class SubjectName:
    name: str            # the common name: a person, or the ward for its own certificates
    post: str            # the title attribute (or an organisational unit, as other CAs write the post)
    organisation: str
    user_id: str
    full: str            # the subject as given, for the auditor

    @property
    def readable(self) -> str:
        """"Name — Post Organisation", leaving out what is missing or repeats the name."""
        where = " ".join(p for p in (self.post, self.organisation if self.organisation != self.name else "") if p)
        if not self.name:
            return where or self.full
        return f"{self.name} — {where}" if where else self.name


def _rfc4514(text: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for item in re.split(r"(?<!\\),", text):
        key, sep, value = item.partition("=")
        if sep and key.strip().lower() in _KEYS:
            parts.setdefault(_KEYS[key.strip().lower()], re.sub(r"\\(.)", r"\1", value.strip()))
    return parts


def _friendly(text: str) -> dict[str, str]:
    marks = list(_FRIENDLY.finditer(text))
    parts: dict[str, str] = {}
    for mark, following in zip(marks, [*marks[1:], None]):
        value = text[mark.end():following.start() if following else len(text)]
        key = _KEYS.get(mark.group(1).lower())
        if key:
            parts.setdefault(key, value.strip())
    return parts


def parse_subject(text: str) -> SubjectName:
    """The parts of a subject in either form; unknown text comes back as its own name."""
    text = (text or "").strip()
    parts = _friendly(text) if ": " in text and "=" not in text.split(":", 1)[0] else _rfc4514(text)
    if not parts:
        return SubjectName(name=text, post="", organisation="", user_id="", full=text)
    return SubjectName(name=parts.get("cn", ""), post=parts.get("title") or parts.get("ou", ""),
                       organisation=parts.get("o", ""), user_id=parts.get("uid", ""), full=text)
