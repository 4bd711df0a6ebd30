"""How the fields of an event's details are shown: a label (English msgid) per known key, and each value as
references (a person, a document, a department... resolved by ``readable``) or text, never raw JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docflow.errors import N_

TEXT, TERM, MSG = "text", "term", "msg"   # plain text; an enum code the web labels (role, level); a msgid
DATE, DATETIME, DOCTYPE = "date", "datetime", "doctype"   # ISO values and document type codes the web formats
LINKS = ("user", "incoming", "outgoing", "document", "certificate", "department", "register", "change")


@dataclass(frozen=True)
class Ref:
    """One value to show: ``kind`` is TEXT, TERM, MSG or one of LINKS (shown as a link where the viewer may
    follow it); ``title`` is the fuller form (a post, a trích yếu the viewer may see, a whole hash)."""
    kind: str
    label: str
    id: int | None = None
    title: str = ""


@dataclass(frozen=True)
class Row:
    label: str          # msgid
    values: tuple[Ref, ...]


@dataclass(frozen=True)
class Change:
    label: str          # msgid
    before: tuple[Ref, ...]
    after: tuple[Ref, ...]


FIELD_LABELS: dict[str, str] = {
    "version": N_("Version"), "sha256": N_("SHA-256"), "parent_sha256": N_("SHA-256 of the previous version"),
    "source_sha256": N_("SHA-256 of the source"), "manifest_sha256": N_("SHA-256 of the manifest"),
    "size": N_("Size (bytes)"), "remote_addr": N_("IP address"), "reason": N_("Reason"),
    "number_symbol": N_("Number and symbol"), "number": N_("Number"), "year": N_("Year"),
    "register": N_("Register"), "register_id": N_("Register"), "register_code": N_("Register"),
    "kind": N_("Kind"), "serial": N_("Serial number"), "holder": N_("Holder"), "subject": N_("Certificate subject"),
    "username": N_("Username"), "role": N_("Role"), "post": N_("Post"), "department_id": N_("Department"),
    "full_name": N_("Full name"), "confidentiality": N_("Confidentiality"), "urgency": N_("Urgency"),
    "summary": N_("Summary (trích yếu)"), "deadline": N_("Deadline"), "user_id": N_("Person"),
    "to_user_id": N_("To"), "to_department_id": N_("To department"), "delegate": N_("Delegate"),
    "delegate_id": N_("Delegate"), "delegator": N_("On the authority of"), "signer": N_("Signer"),
    "changed_by": N_("Changed by"), "document_id": N_("Document"), "from_document_id": N_("From the document"),
    "reply_document_id": N_("Reply document"), "related_document_id": N_("Related document"),
    "documents": N_("Documents"), "delivered": N_("Delivered as"), "duplicate_of": N_("Possible duplicate of"),
    "departments": N_("Departments"), "external": N_("External recipients"),
    "recipient_departments": N_("Recipient departments"), "external_recipients": N_("External recipients"),
    "doc_type": N_("Document type"), "relation": N_("Relation"), "received_at": N_("Received at"),
    "receipt": N_("Received through"), "assignments": N_("Assignments"), "round": N_("Round"),
    "failures": N_("Failures in a row"), "in_a_row": N_("Failures in a row"), "retry_at": N_("Next attempt at"),
    "locked_until": N_("Locked until"), "minutes": N_("Minutes"), "not_after": N_("Valid until"),
    "pin": N_("PIN"), "storage": N_("Key storage"), "level": N_("Level"), "file": N_("File"),
    "checked": N_("Events checked"), "intact": N_("Intact"), "checkpoints": N_("Checkpoints"),
    "problem_seq": N_("First broken event"), "proving_checkpoint": N_("Proving checkpoint"), "via": N_("Through"),
    "events": N_("Events"), "files": N_("Files"), "entries": N_("Entries"), "format": N_("Format"),
    "verdict": N_("Verdict"), "problems": N_("Problems"), "valid": N_("Valid"), "state": N_("Timeliness"),
    "name": N_("Name"), "code": N_("Code"), "rule": N_("Rule"), "active": N_("Active"), "mode": N_("Signing mode"),
    "valid_from": N_("Valid from"), "valid_to": N_("Valid to"), "doc_types": N_("Document types"),
    "now_blocking": N_("Now blocking"), "now_warning": N_("Now a warning"), "users_created": N_("Accounts created"),
    "diameter_mm": N_("Diameter (mm)"), "printed": N_("Printed"), "title": N_("Title"), "ordinal": N_("No."),
    "form": N_("Form of copy"), "source": N_("Source"), "step_id": N_("Step"), "signed_out": N_("Signed out"),
    "from": N_("Before"), "to": N_("After"), "locale": N_("Language"), "is_active": N_("Active"),
    "assignment_id": N_("Assignment"), "parent_id": N_("Assigned from"), "to_assignment_id": N_("New assignment"),
    "opinion_id": N_("Opinion"), "proposal_id": N_("Proposal"), "attachment_id": N_("Attachment"),
    "key_path": N_("Key file"), "status": N_("Status"), "action": N_("Change"), "object_type": N_("Object"),
    "object_id": N_("Object"), "certificate_serial": N_("Serial number of the certificate"),
    "certificate_sha256": N_("SHA-256 of the certificate"), "field": N_("Signature field"),
    "mode_line": N_("Signing mode line"), "initial": N_("With an initial"), "steps": N_("Steps"),
    "filename": N_("File name"), "series": N_("Number series"), "closed": N_("Assignments closed"),
    "document_completed": N_("Document completed"), "result_sha256": N_("SHA-256 of the result"),
    "via_assignment_id": N_("Through the assignment"), "basis_date": N_("Date of the basis"),
    "basis_document_id": N_("Basis document"), "basis_reference": N_("Basis (reference)"),
    "pages": N_("Pages"), "document_date": N_("Document date"), "register_kind": N_("Register"),
}

# Keys whose value names someone or something docflow knows.
USER_ID_KEYS = frozenset({"user_id", "to_user_id", "delegate_id"})
USERNAME_KEYS = frozenset({"holder", "delegate", "delegator", "signer", "changed_by"})
DOCUMENT_KEYS = frozenset({"document_id", "from_document_id", "reply_document_id", "related_document_id",
                           "documents", "delivered", "duplicate_of"})
DEPARTMENT_KEYS = frozenset({"department_id", "to_department_id", "departments"})
TERM_KEYS = frozenset({"role", "confidentiality", "urgency", "kind", "status", "level", "state"})
# Free text about a document's content: not shown to a viewer who may not view the document.
CONTENT_KEYS = frozenset({"summary", "reason", "note", "instruction", "issuing_body", "result", "title"})
# Bookkeeping that says nothing to a reader (kept in the technical details).
HIDDEN_KEYS = frozenset({"instruction_sha256", "body_sha256", "note_sha256", "confirms", "changes"})


# Codes events record, in words, per key (other codes of these keys go to the web's enum labels).
CODE_LABELS: dict[str, dict[str, str]] = {
    "reason": {"bad_credentials": N_("wrong username or password"), "inactive": N_("the account is deactivated"),
               "confidential_access": N_("cleared for a confidential document"),
               "assigned": N_("assigned to handle it"), "routed": N_("on its review and signing route"),
               "submitted": N_("submitted by the drafter"),
               "number_and_date_fields": N_("number and issue date filled in")},
    "kind": {"review": N_("review"), "sign": N_("approval and signature"), "issue": N_("issue"),
             "opinion": N_("opinion"), "reply": N_("reply document"), "comment": N_("comment"),
             "forward": N_("forwarding note"), "directive": N_("directive")},
    "role": {"lead": N_("lead (chủ trì)"), "co": N_("co-handler (phối hợp)"), "info": N_("for information (để biết)")},
    "state": {"on_time": N_("on time"), "late": N_("late")},
    "receipt": {"system": N_("registered in docflow"), "electronic": N_("received electronically"),
                "imported": N_("imported from the previous system")},
    "pin": {"set": N_("chosen by the holder"), "enrolment": N_("waiting for the holder's enrolment code")},
}
DATETIME_KEYS = frozenset({"received_at", "not_after", "locked_until", "retry_at", "created_at"})
DATE_KEYS = frozenset({"deadline", "valid_from", "valid_to", "document_date", "basis_date"})


def label_of(key: str) -> str:
    """The msgid labelling a detail key; an unknown key is shown as written, made readable."""
    return FIELD_LABELS.get(key, key.replace("_", " ").capitalize())


def plain(value: Any) -> Ref:
    """A value with nothing to resolve: booleans as yes/no, empty as a dash, hashes shortened."""
    if isinstance(value, bool):
        return Ref(MSG, N_("yes") if value else N_("no"))
    if value is None or value == "" or value == []:
        return Ref(TEXT, "—")
    text = str(value)
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
        return Ref(TEXT, text[:16] + "…", title=text)
    return Ref(TEXT, text)


def references(key: str, value: Any) -> list[tuple[str, Any]]:
    """What ``value`` of ``key`` refers to, as (kind, id or username) pairs to resolve: [] for plain values."""
    items = value if isinstance(value, list) else [value]
    if key in USER_ID_KEYS:
        return [("user", v) for v in items if isinstance(v, int)]
    if key in USERNAME_KEYS:
        return [("username", v) for v in items if isinstance(v, str) and v]
    if key in DOCUMENT_KEYS:
        return [("document", v) for v in items if isinstance(v, int)]
    if key in DEPARTMENT_KEYS:
        return [("department", v) for v in items if isinstance(v, int)]
    if key == "register_id":
        return [("register", v) for v in items if isinstance(v, int)]
    return []
