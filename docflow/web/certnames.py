"""Certificate subjects on the screens as a person's name and post ("Trần Văn Minh — Chủ tịch UBND phường
Tích Sơn"), the holder docflow knows taking precedence over what the certificate says; the full subject stays
in the title attribute for the auditor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from docflow.signing.subjects import SubjectName, parse_subject


def _holder(holder: Any, key: str) -> str:
    value = holder.get(key) if isinstance(holder, Mapping) else getattr(holder, key, "")
    return str(value or "")


def subject_name(subject: str | None, holder: Any = None) -> Markup:
    """The subject as "Name — Post Organisation" in a span whose title is the whole subject. ``holder``: the
    docflow user (a User, or a report's ``docflow_user`` mapping) the certificate belongs to, if known."""
    parsed = parse_subject(subject or "")
    if holder is not None and _holder(holder, "username"):
        parsed = SubjectName(name=_holder(holder, "full_name"), post=_holder(holder, "post") or parsed.post,
                             organisation=parsed.organisation, user_id=_holder(holder, "username"),
                             full=parsed.full)
    if not parsed.full or parsed.full == parsed.readable:
        return Markup("<span>%s</span>") % parsed.readable
    return Markup('<span title="%s" data-subject>%s</span>') % (parsed.full, parsed.readable)


def subject_text(subject: str | None) -> str:
    """The subject as plain readable text (for an option of a select, where no markup goes)."""
    return parse_subject(subject or "").readable


FILTERS = {"subject_name": subject_name, "subject_text": subject_text}
