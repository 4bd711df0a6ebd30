"""The format check of the verification footer (issue 15 §2), at issue: a document that is not confidential
carries the QR code, code and address of its own public code on page 1 (a footer copied from another
document is a finding); a confidential one carries none. A finding blocks issuing unless the ward's format
policy made the check a warning."""

from __future__ import annotations

from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_
from docflow.formatcheck import Finding
from docflow.formatcheck.findings import PUBLIC_FOOTER, at
from docflow.models import Document
from docflow.services.formatcheck.review import FormatRefusedError
from docflow.services.formatcheck.settings import blocking_codes
from docflow.services.public.codes import find_code, public_url
from docflow.storage import DocumentStore

RULE_FOOTER = "Issue 15 §2 · R64"


def footer_findings(session: Session, *, settings: Settings, document: Document, data: bytes) -> list[Finding]:
    """What is wrong with the footers on page 1 of ``data`` for ``document``. Raises UnreadablePdfError.
    Reads only."""
    # pyHanko takes seconds to import: only an issue pays for it, not the CLI's start.
    from docflow.signing.footer import grouped, read_footers
    marks = read_footers(data)
    if document.is_confidential:
        return [at(PUBLIC_FOOTER, RULE_FOOTER, N_("A confidential document carries a public verification "
                                                  "footer; it must carry none."), page=1)] if marks else []
    row = find_code(session, document)
    code = row.code if row is not None else None
    findings = [at(PUBLIC_FOOTER, RULE_FOOTER, N_("Page 1 carries the verification footer of another document "
                                                  "(code %(footer)s)."), page=1, footer=grouped(mark.code))
                for mark in marks if mark.code != code]
    own = [mark for mark in marks if code is not None and mark.code == code]
    if code is not None and not own:
        findings.append(at(PUBLIC_FOOTER, RULE_FOOTER, N_("The document's verification footer (QR code, code "
                                                          "%(footer)s and address) is missing from page 1."),
                           page=1, footer=grouped(code)))
    elif code is not None and not all(m.qr_matches and m.url == public_url(settings, code) for m in own):
        findings.append(at(PUBLIC_FOOTER, RULE_FOOTER, N_("The verification footer's QR code or address does not "
                                                          "lead to this document's page (%(url)s)."),
                           page=1, url=public_url(settings, code)))
    return findings


def require_footer(session: Session, *, settings: Settings, store: DocumentStore, document: Document) -> None:
    """Refuse to issue ``document`` (its current, signed version) over a blocking footer finding. Raises
    FormatRefusedError. Reads only."""
    current = document.current_version
    if current is None:
        return
    findings = footer_findings(session, settings=settings, document=document, data=store.read(current.sha256))
    blocking = blocking_codes(session, document.organisation_id)
    if any(f.code in blocking for f in findings):
        raise FormatRefusedError([f for f in findings if f.code in blocking])
