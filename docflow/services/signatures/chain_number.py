"""The chain check's last step: the document's number against its register, the audit trail of its issue,
and what the signed PDF prints in its number and date fields."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.errors import N_, UnreadablePdfError
from docflow.models import AuditEvent, Document, DocumentKind, DocumentVersion, Register
from docflow.services import registers
from docflow.services.audit import AuditAction
from docflow.services.signatures.appearance import number_and_date_values
from docflow.services.signatures.chain_findings import ChainStep, Finding
from docflow.signing.base import DATE_FIELD, NUMBER_FIELD
from docflow.storage import BlobMissingError, DocumentStore

if TYPE_CHECKING:
    from docflow.signing.sign import TextField


def number_steps(session: Session, store: DocumentStore, document: Document,
                 events: list[AuditEvent]) -> list[ChainStep]:
    """The step of the document's register entry (none for a document without a number)."""
    number = document.register_number
    if document.register_id is None or number is None:
        return []
    register = session.get(Register, document.register_id)
    problems: list[Finding] = []
    if register is None:
        return [ChainStep("number", Finding.of(N_("Register entry")), document.issued_at, "",
                          (Finding.of(N_("The register of this document does not exist.")),))]
    if number > register.last_number:
        problems.append(Finding.of(N_("Number %(n)s is beyond the register's last number %(last)s."),
                                   n=number, last=register.last_number))
    same = session.execute(select(func.count()).select_from(Document).where(
        Document.register_id == register.id, Document.register_number == number)).scalar_one()
    if same > 1:
        problems.append(Finding.of(N_("Number %(n)s of the register is used by %(count)s documents."), n=number,
                                   count=same))
    if document.kind is DocumentKind.OUTGOING:
        problems.extend(_outgoing_number_problems(store, document, number, events, register))
    title = Finding.of(N_("Number %(number)s in the register “%(register)s” of %(year)s"),
                       number=document.number_symbol or registers.format_number(number), register=register.name,
                       year=register.year)
    return [ChainStep("number", title, document.issued_at or document.received_at, "", tuple(problems))]


def _outgoing_number_problems(store: DocumentStore, document: Document, number: int, events: list[AuditEvent],
                              register: Register) -> list[Finding]:
    problems = []
    expected = registers.number_symbol(number, doc_type=document.doc_type, body=document.organisation.code,
                                       unit=document.department.code if document.department else "")
    if document.number_symbol != expected:
        problems.append(Finding.of(N_("The document's number %(number)s does not match its register entry "
                                      "(%(expected)s)."), number=document.number_symbol or "", expected=expected))
    issued = [e for e in events if e.action == AuditAction.DOCUMENT_ISSUED]
    if not issued:
        problems.append(Finding.of(N_("No audit event records the issue of this number.")))
    for event in issued:
        if event.details.get("number") != number or event.details.get("register_id") != register.id \
                or event.details.get("number_symbol") != document.number_symbol:
            problems.append(Finding.of(N_("The audit trail issued this document as %(recorded)s, not %(number)s."),
                                       recorded=event.details.get("number_symbol", ""),
                                       number=document.number_symbol or ""))
    problems.extend(_printed_problems(store, document))
    return problems


def _printed_problems(store: DocumentStore, document: Document) -> list[Finding]:
    """The number and date the signed PDF prints (its fields in the final revision) against the register."""
    printed = pdf_fields(store, document.current_version)
    if document.document_date is None:
        return [Finding.of(N_("The register has no issue date for this document."))]
    expected = number_and_date_values(document, day=document.document_date)
    missing = {NUMBER_FIELD: N_("The PDF prints no number: its field is missing or empty (the register says "
                                "\"%(expected)s\")."),
               DATE_FIELD: N_("The PDF prints no issue date: its field is missing or empty (the register says "
                              "\"%(expected)s\").")}
    differs = {NUMBER_FIELD: N_("The PDF shows \"%(shown)s\", not the register's number \"%(expected)s\"."),
               DATE_FIELD: N_("The PDF shows \"%(shown)s\", not the register's issue date \"%(expected)s\".")}
    problems = [Finding.of(N_("The PDF's field %(field)s is not visible on its first page: the value in it is "
                              "not what the page prints."), field=name)
                for name in expected if name in printed and not printed[name].visible]
    for name, value in expected.items():
        shown = printed[name].value.strip() if name in printed else ""
        if not shown:
            problems.append(Finding.of(missing[name], expected=value))
        elif shown != value:
            problems.append(Finding.of(differs[name], shown=shown, expected=value))
    return problems


def pdf_fields(store: DocumentStore, version: DocumentVersion | None) -> dict[str, TextField]:
    """The text fields of a stored version's final revision (value, visibility); empty when unreadable."""
    # pyHanko takes seconds to import: only a check that reads fields pays for it, not the CLI's start.
    from docflow.signing.sign import read_text_fields
    if version is None:
        return {}
    try:
        return read_text_fields(store.read(version.sha256))
    except (BlobMissingError, UnreadablePdfError):
        return {}
