"""Audit events in the viewer's language: the sentence of ``services.audit.readable`` with its names as links
where the viewer may follow them (a document to its incoming or outgoing page, people and certificates to the
administrator's pages for administrators, a change of rights to its place in the log)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import gettext
from markupsafe import Markup, escape

from docflow import policy
from docflow.models import Role
from docflow.services.audit.fields import DATE, DATETIME, DOCTYPE, MSG, TERM, Ref
from docflow.services.audit.readable import EventView
from docflow.services.audit.sentences import SENTENCES
from docflow.services.audit import AuditAction
from docflow.web.helpers import current_actor, doc_type_name, iso_datetime, label, local_date

ADMIN_LINKS: dict[str, tuple[str, str | None]] = {
    "user": ("admin.edit_user", "user_id"), "certificate": ("admin.certificates", None),
    "department": ("admin.departments", None)}
DOCUMENT_LINKS = {"incoming": "incoming.detail", "outgoing": "outgoing.detail", "document": "documents.detail"}
ROLE_VALUES = {r.value for r in Role}


def ref_text(ref: Ref) -> str:
    """The value as text in the viewer's language."""
    if ref.kind == MSG:
        return gettext(ref.label)
    if ref.kind == TERM:
        return label(Role(ref.label) if ref.label in ROLE_VALUES else ref.label)
    if ref.kind in FORMATS:
        return FORMATS[ref.kind](ref.label)
    return ref.label


def _date(value: str) -> str:
    try:
        return local_date(date.fromisoformat(value[:10]))
    except ValueError:
        return value


FORMATS: dict[str, Callable[[str], str]] = {DATE: _date, DATETIME: iso_datetime, DOCTYPE: doc_type_name}


def _url(ref: Ref) -> str | None:
    if ref.id is None:
        return None
    if ref.kind in DOCUMENT_LINKS:
        return url_for(DOCUMENT_LINKS[ref.kind], document_id=ref.id)
    actor = current_actor()
    if ref.kind in ADMIN_LINKS and policy.may_administer(actor):
        endpoint, arg = ADMIN_LINKS[ref.kind]
        return url_for(endpoint, user_id=ref.id) if arg else url_for(endpoint)
    if ref.kind == "register" and policy.may_read_registers(actor):
        return url_for("registers.index")
    if ref.kind == "change" and policy.may_read_audit_log(actor):
        return url_for("audit.index", before=ref.id + 1)
    return None


def ref_html(ref: Ref) -> Markup:
    """The value, as a link when the viewer may follow it; its fuller form (a post, a trích yếu) as a title."""
    text, url = ref_text(ref), _url(ref)
    title = Markup(' title="%s"') % ref.title if ref.title else Markup("")
    if url:
        return Markup('<a href="%s" data-ref="%s"%s>%s</a>') % (url, ref.kind, title, text)
    return Markup('<span data-ref="%s"%s>%s</span>') % (ref.kind, title, text) if ref.title else escape(text)


def refs_html(refs: tuple[Ref, ...]) -> Markup:
    return Markup(", ").join(ref_html(r) for r in refs)


def sentence_html(view: EventView) -> Markup:
    """The event's sentence in the viewer's language, its names escaped and linked."""
    params: dict[str, Any] = {name: ref_html(ref) for name, ref in view.params.items()}
    return escape(gettext(view.sentence)) % params if params else escape(gettext(view.sentence))


def action_name(action: str) -> str:
    """The short name of an action code ("Document signed"), translated; the code itself if unknown."""
    try:
        return gettext(SENTENCES[AuditAction(action)].name)
    except (KeyError, ValueError):
        return action


def template_helpers() -> dict[str, Any]:
    return {"sentence_html": sentence_html, "refs_html": refs_html, "ref_html": ref_html,
            "action_name": action_name}
