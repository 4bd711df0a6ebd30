"""Audit events as people read them: a sentence naming who did what to which object, the known fields as
labelled rows, and a before/after table for changes. Names are looked up once per page; a document the
viewer may not view is named by its number only (never its trích yếu). Only how events are shown: the
stored events, their hashes and the chain are untouched."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.errors import N_
from docflow.models import AuditEvent, Certificate, Department, Document, Organisation, Register, User
from docflow.services.audit.actions import AuditAction as A
from docflow.services.audit.fields import (CODE_LABELS, CONTENT_KEYS, DATE, DATE_KEYS, DATETIME, DATETIME_KEYS,
                                           DOCTYPE, HIDDEN_KEYS, MSG, TERM, TERM_KEYS, TEXT, Change, Ref, Row,
                                           label_of, plain, references)
from docflow.services.audit.sentences import GENERIC, sentence_for
from docflow.signing.subjects import parse_subject

SYSTEM = Ref(MSG, N_("The system"))
# The detail naming the %(person)s of a sentence, per action (the first key present wins).
PERSON_KEYS: dict[str, tuple[str, ...]] = {
    A.DOCUMENT_ACCESS_GRANTED: ("user_id", "username"), A.ASSIGNMENT_CREATED: ("user_id", "department_id"),
    A.ASSIGNMENT_FORWARDED: ("to_user_id", "to_department_id"),
    A.ASSIGNMENT_FORWARD_PROPOSED: ("to_user_id", "to_department_id"),
    A.COPY_DELIVERED: ("department_id",), A.DELEGATION_CREATED: ("delegate",),
    A.DELEGATION_REVOKED: ("delegate_id",), A.NUMBER_ASSIGNED: ("document_id",),
}
# Ids inside a listed item (an assignment of a direction) that say nothing to a reader.
ITEM_IDS = frozenset({"assignment_id", "opinion_id", "step_id"})
ITEM_ORDER = {"user_id": 0, "department_id": 1, "role": 2, "deadline": 3}   # the log stores keys sorted
# Details shown as a before/after pair rather than as rows.
BEFORE_AFTER: dict[str, str] = {A.CONFIDENTIALITY_LOWERING_PROPOSED: "confidentiality",
                                A.USER_LANGUAGE_CHANGED: "locale"}


@dataclass(frozen=True)
class EventView:
    event: AuditEvent
    sentence: str                    # msgid with %(name)s placeholders
    params: dict[str, Ref]
    actor: Ref
    rows: list[Row] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    show_raw: bool = True            # the raw details may be folded away for the auditor

    @property
    def is_generic(self) -> bool:
        return self.sentence == GENERIC


class _Names:
    """Everything a page of events names, loaded with one query per kind."""

    def __init__(self, session: Session, viewer: User, events: list[AuditEvent]) -> None:
        self.session, self.viewer = session, viewer
        wanted: dict[str, set[Any]] = {k: set() for k in ("user", "username", "document", "department",
                                                          "register", "certificate", "organisation")}
        for event in events:
            for kind, key in _wanted(event):
                wanted[kind].add(key)
        self.users = self._load(User, User.id, wanted["user"])
        self.by_username = {u.username: u for u in self._load(User, User.username, wanted["username"]).values()}
        self.documents = self._load(Document, Document.id, wanted["document"])
        self.departments = self._load(Department, Department.id, wanted["department"])
        self.registers = self._load(Register, Register.id, wanted["register"])
        self.certificates = self._load(Certificate, Certificate.id, wanted["certificate"])
        self.organisations = self._load(Organisation, Organisation.id, wanted["organisation"])
        # The documents the viewer may view, in one query (can_view per document asks for grants each time).
        self._viewable: set[int] = set(session.execute(select(Document.id).where(
            Document.id.in_(sorted(self.documents)), policy.visible_filter(viewer))).scalars()) \
            if self.documents else set()

    def _load(self, model: Any, column: Any, keys: set[Any]) -> dict[Any, Any]:
        if not keys:
            return {}
        rows = self.session.execute(select(model).where(column.in_(sorted(keys, key=str)))).scalars()
        return {getattr(row, column.key): row for row in rows}

    def may_view(self, document_id: int) -> bool:
        return document_id in self._viewable

    def user(self, user: User | None, fallback: str) -> Ref:
        if user is None:
            return Ref(TEXT, fallback)
        return Ref("user", user.full_name, user.id, title=", ".join(p for p in (user.post, user.username) if p))

    def document(self, document_id: int) -> Ref:
        document = self.documents.get(document_id)
        if document is None:
            return Ref(TEXT, f"#{document_id}")
        kind = document.kind.value if document.kind.value in ("incoming", "outgoing") else "document"
        if not self.may_view(document_id):
            return Ref(TEXT, document.number_symbol or f"#{document.id}", document.id)
        summary = document.summary if len(document.summary) <= 80 else document.summary[:79] + "…"
        label = document.number_symbol or f"#{document.id} «{summary}»"
        return Ref(kind, label, document.id, title=document.summary)

    def department(self, department_id: int) -> Ref:
        department = self.departments.get(department_id)
        return Ref("department", department.name, department.id) if department else Ref(TEXT, f"#{department_id}")

    def register(self, register_id: int) -> Ref:
        register = self.registers.get(register_id)
        if register is None:
            return Ref(TEXT, f"#{register_id}")
        return Ref("register", f"{register.name} {register.year}", register.id, title=register.code)

    def certificate(self, certificate_id: int) -> Ref:
        certificate = self.certificates.get(certificate_id)
        if certificate is None:
            return Ref(TEXT, f"#{certificate_id}")
        holder = certificate.holder.full_name if certificate.holder else self._organisation_name(certificate)
        return Ref("certificate", holder, certificate.id, title=certificate.subject)

    def _organisation_name(self, certificate: Certificate) -> str:
        organisation = self.session.get(Organisation, certificate.organisation_id)
        return organisation.name if organisation else certificate.kind.value

    def resolve(self, kind: str, key: Any) -> Ref:
        if kind == "user":
            return self.user(self.users.get(key), f"#{key}")
        if kind == "username":
            return self.user(self.by_username.get(key), str(key))
        return {"document": self.document, "department": self.department,
                "register": self.register}[kind](key)


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _wanted(event: AuditEvent) -> Iterable[tuple[str, Any]]:
    if event.actor_id is not None:
        yield "user", event.actor_id
    object_id = _int(event.object_id)
    if object_id is not None and event.object_type in ("user", "document", "department", "register",
                                                       "certificate", "organisation"):
        yield event.object_type, object_id
    for key, value in event.details.items():
        yield from references(key, value)
        for item in value if isinstance(value, list) else []:
            if isinstance(item, dict):    # the assignments of a direction
                for inner_key, inner in item.items():
                    yield from references(inner_key, inner)
    for change in (event.details.get("changes") or {}).values():
        if isinstance(change, dict):
            yield from references("department_id", [change.get("from"), change.get("to")])


def describe_events(session: Session, *, viewer: User, events: list[AuditEvent]) -> list[EventView]:
    """Each event as a sentence with its rows and before/after changes, as ``viewer`` may see it. Reads only."""
    names = _Names(session, viewer, events)
    return [_describe(names, event) for event in events]


def _describe(names: _Names, event: AuditEvent) -> EventView:
    actor = (names.user(names.users.get(event.actor_id), event.actor_name) if event.actor_id is not None
             else SYSTEM if event.actor_name in ("", "system") else Ref(TEXT, event.actor_name))
    document_id = _int(event.object_id) if event.object_type == "document" else None
    hide_content = document_id is not None and not names.may_view(document_id)
    params = {"actor": actor, "object": _object(names, event), "action": Ref(TEXT, event.action),
              "version": plain(event.details.get("version")), "number": plain(event.details.get("number"))}
    person_key = next((k for k in PERSON_KEYS.get(event.action, ()) if event.details.get(k) is not None), None)
    if person_key is not None:
        params["person"] = _values(names, person_key, event.details[person_key])[0]
    elif event.action in PERSON_KEYS:
        params["person"] = Ref(TEXT, "—")
    sentence = sentence_for(event.action)
    used = {person_key} | {k for k in ("version", "number") if f"%({k})s" in sentence}
    return EventView(event=event, sentence=sentence, params=params, actor=actor,
                     rows=_rows(names, event, used, hide_content), changes=_changes(names, event, hide_content),
                     show_raw=not hide_content)


def _object(names: _Names, event: AuditEvent) -> Ref:
    object_id, details = _int(event.object_id), event.details
    if object_id is not None and event.object_type in ("user", "document", "department", "register",
                                                       "certificate"):
        return getattr(names, event.object_type)(object_id) if event.object_type != "user" \
            else names.user(names.users.get(object_id), details.get("username") or f"#{object_id}")
    if event.object_type == "organisation" and object_id is not None:
        organisation = names.organisations.get(object_id)
        return Ref(TEXT, organisation.name if organisation else str(details.get("name", object_id)))
    if event.object_type == "audit_event":
        return Ref("change", f"#{event.object_id}", object_id)
    if event.object_type == "api_client":   # named as it was when the event was recorded
        return plain(str(details.get("client") or details.get("name") or event.object_id))
    if event.object_type == "user":   # a sign-in attempt for a name that is no account (never recorded)
        return Ref(MSG, N_("(unknown)"))
    text = details.get("number_symbol") or details.get("file") or details.get("code") or event.object_id
    return plain(text)


def _values(names: _Names, key: str, value: Any) -> tuple[Ref, ...]:
    found = references(key, value)
    if found:
        return tuple(names.resolve(kind, ref) for kind, ref in found)
    if isinstance(value, str) and value:
        if key == "doc_types":      # "giay_moi,thong_bao", or "*" for every type
            return tuple(Ref(DOCTYPE, code) for code in value.split(",")) if value != "*" else \
                (Ref(MSG, N_("every type")),)
        if key == "subject":
            return (Ref(TEXT, parse_subject(value).readable, title=value),)
        if value in CODE_LABELS.get(key, {}):
            return (Ref(MSG, CODE_LABELS[key][value]),)
        if key in TERM_KEYS:
            return (Ref(TERM, value),)
        kind = DATETIME if key in DATETIME_KEYS else DATE if key in DATE_KEYS else DOCTYPE if key == "doc_type" \
            else None
        if kind is not None:
            return (Ref(kind, value),)
    if isinstance(value, list):
        return tuple(r for item in value for r in _values(names, key, item)) or (plain(None),)
    if isinstance(value, dict):   # one assignment of a direction: who, in which role, by when (not its id)
        ordered = sorted(value.items(), key=lambda kv: ITEM_ORDER.get(kv[0], len(ITEM_ORDER)))
        return tuple(r for k, v in ordered if v is not None and k not in ITEM_IDS for r in _values(names, k, v))
    return (plain(value),)


def _rows(names: _Names, event: AuditEvent, used: set[str | None], hide_content: bool) -> list[Row]:
    skip = HIDDEN_KEYS | used | set(BEFORE_AFTER.values()) | {"from", "to"} if event.action in BEFORE_AFTER \
        else HIDDEN_KEYS | used
    rows = []
    for key, value in event.details.items():
        if key in skip or (hide_content and key in CONTENT_KEYS):
            continue
        items = value if isinstance(value, list) and value and all(isinstance(v, dict) for v in value) else [value]
        rows += [Row(label_of(key), _values(names, key, item)) for item in items]
    return rows


def _changes(names: _Names, event: AuditEvent, hide_content: bool) -> list[Change]:
    details = event.details
    if event.action in BEFORE_AFTER:
        key = BEFORE_AFTER[event.action]
        return [Change(label_of(key), _values(names, key, details.get("from")),
                       _values(names, key, details.get("to")))]
    if event.action == A.DOCUMENT_ACCESS_GRANTED:
        return [Change(N_("Access to the document"), (Ref(MSG, N_("not cleared")),),
                       (Ref(MSG, N_("cleared for the confidential document")),))]
    changes = details.get("changes")
    if not isinstance(changes, dict):
        return []
    rows = []
    for key, change in changes.items():
        if not isinstance(change, dict):
            continue
        if hide_content and key in CONTENT_KEYS:
            rows.append(Change(label_of(key), (Ref(MSG, N_("hidden")),), (Ref(MSG, N_("hidden")),)))
            continue
        rows.append(Change(label_of(key), _values(names, key, change.get("from")),
                           _values(names, key, change.get("to"))))
    return rows
