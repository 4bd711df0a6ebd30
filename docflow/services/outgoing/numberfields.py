"""Decree 30's number and date fields (``so_ky_hieu``, ``ngay_ban_hanh``) on an outgoing document: added
empty before anyone reviews or signs it, still empty on the signed version the clerk issues, and filled
with the register's number and the issue date by the seal."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from docflow.errors import N_, InvalidTransitionError
from docflow.models import Document, DocumentVersion, User
from docflow.services import audit
from docflow.services import signatures as signing_service
from docflow.services.audit import AuditAction
from docflow.signing.base import DATE_FIELD, NUMBER_FIELD
from docflow.storage import DocumentStore

NUMBER_AND_DATE = (NUMBER_FIELD, DATE_FIELD)


def ensure_number_fields(session: Session, *, actor: User, document: Document, store: DocumentStore,
                         now: datetime) -> DocumentVersion | None:
    """Decree 30's empty number and date fields on the current version, before anyone reviews or signs it:
    added as a new version (an incremental update, audited) when missing, so that the clerk's seal can fill
    them whatever the route's first signature is. Returns that version, or None when the fields were
    already there.

    Raises InvalidTransitionError for a PDF that cannot take them (signed already, fields holding text) and
    UnreadablePdfError for one docflow cannot read, each with the reason. Flushes.
    """
    from docflow.signing.sign import ensure_fields  # pyHanko at first use (CLI start-up time)
    current = document.current_version
    if current is None:
        raise InvalidTransitionError(N_("This document has no file to sign."))
    data = store.read(current.sha256)
    _require_fields_can_be_added(data)
    prepared = ensure_fields(data)
    if prepared == data:
        return None
    return _add_prepared_version(session, actor=actor, document=document, current=current, prepared=prepared,
                                 store=store, now=now)


def _require_fields_can_be_added(data: bytes) -> None:
    """The fields, where present, are visible and empty; where missing, the PDF is not signed yet."""
    from docflow.signing.sign import read_text_fields  # pyHanko at first use (CLI start-up time)
    fields = read_text_fields(data)   # UnreadablePdfError says why (damaged, encrypted)
    values = {name: field.value for name, field in fields.items()}
    unseen = [name for name in NUMBER_AND_DATE if name in fields and not fields[name].visible]
    if unseen:
        # the clerk would fill a value nobody sees, while the page prints whatever the drafter wrote
        raise InvalidTransitionError(N_("The number and date fields of this PDF (%(fields)s) are not visible on "
                                        "its first page. Upload the draft made from the drafting template."),
                                     fields=", ".join(unseen))
    if {NUMBER_FIELD, DATE_FIELD} - values.keys() and b"/ByteRange" in data:
        raise InvalidTransitionError(N_("This PDF is already signed, so the number and date fields cannot be "
                                        "added without breaking that signature. Upload the unsigned draft "
                                        "(made from the drafting template)."))
    filled = {value for name, value in values.items() if name in NUMBER_AND_DATE and value.strip()}
    if filled:
        raise InvalidTransitionError(N_("The number and date fields of this PDF already hold text (%(value)s); "
                                        "the clerk fills them at issue. Upload the draft with the fields empty."),
                                     value=", ".join(sorted(filled)))


def _add_prepared_version(session: Session, *, actor: User, document: Document, current: DocumentVersion,
                          prepared: bytes, store: DocumentStore, now: datetime) -> DocumentVersion:
    # an incremental update keeps every object of the draft: its active content too
    version = DocumentVersion(document=document, number=current.number + 1, parent_id=current.id,
                              sha256=store.put_bytes(prepared), size=len(prepared), page_count=current.page_count,
                              active_content=current.active_content, original_filename=None, note="",
                              created_at=now, created_by_id=actor.id)
    session.add(version)
    document.updated_at = now
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_VERSION_ADDED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"version": version.number, "sha256": version.sha256, "size": version.size,
                          "parent_sha256": current.sha256, "reason": "number_and_date_fields"})
    return version


def require_empty_fields(data: bytes) -> None:
    """The signed version has the number and date fields, both empty, for the seal to fill.
    Raises InvalidTransitionError."""
    from docflow.signing.sign import text_field_values  # pyHanko at first use (CLI start-up time)
    values = text_field_values(data)
    if NUMBER_FIELD not in values or DATE_FIELD not in values:
        raise InvalidTransitionError(N_("The signed document has no number and date fields, so the number "
                                        "cannot be printed on it. Return it to the drafter."))
    if values[NUMBER_FIELD].strip() or values[DATE_FIELD].strip():
        raise InvalidTransitionError(N_("The number and date fields of the signed document already hold text; "
                                        "the register's number cannot be printed on it. Return it to the drafter."))


def require_filled(store: DocumentStore, document: Document, version: DocumentVersion, *, day: date) -> None:
    """The sealed revision must print the register's number and the issue date. Raises InvalidTransitionError."""
    from docflow.signing.sign import read_text_fields  # pyHanko at first use (CLI start-up time)
    expected = signing_service.number_and_date_values(document, day=day)
    fields = read_text_fields(store.read(version.sha256))
    if any(name not in fields or fields[name].value != value or not fields[name].visible
           for name, value in expected.items()):
        raise InvalidTransitionError(N_("The number and date could not be printed on the document; it was not "
                                        "issued."))
