"""The format check of a document's version: what the ward expects of it (type, symbol, issuing body, place),
the findings kept per version, split into blocking and warning by the ward's policy, and the refusal that
stops a review or a signature on a blocking finding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.errors import N_, InvalidTransitionError
from docflow.formatcheck import Expectation, Finding, check_pdf
from docflow.models import Document, DocumentVersion, FormatCheckResult, utc_now
from docflow.services.formatcheck.settings import blocking_codes
from docflow.storage import DocumentStore

CHECKER = "annex1-1"   # a new checker reads kept versions again


@dataclass(frozen=True)
class FormatReview:
    """The findings on one version: ``blocking`` stop review and signing, ``warnings`` are shown only."""
    version_number: int
    blocking: tuple[Finding, ...]
    warnings: tuple[Finding, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.blocking + self.warnings


class FormatRefusedError(InvalidTransitionError):
    """The current version has blocking format findings; ``findings`` lists them for the page."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__(N_("The document does not meet Decree 30's format (Annex I), so it cannot go on: "
                            "%(problems)s. Return it to the drafter to correct; the format review on the "
                            "document's page lists each problem."),
                         problems="; ".join(f"{f.rule} [{f.code}, p. {f.page or 1}]" for f in findings))
        self.findings = tuple(findings)


def expectation_for(document: Document) -> Expectation:
    """What the page of ``document`` must show: its type, its symbol (Annex III; the issued one once there is
    one), the ward's header lines and the place before the date."""
    # services.outgoing and services.signatures import this module: their helpers are taken at call time.
    from docflow.services.outgoing.template import header_names
    from docflow.services.registers.numbers import symbol_for
    from docflow.services.signatures.appearance import place_name
    numbered = document.number_symbol or symbol_for(document, 1)
    symbol = numbered.split("/", 1)[1] if "/" in numbered else None
    organisation = document.organisation.name
    return Expectation(doc_type=document.doc_type, symbol=symbol, issuing_body=header_names(organisation),
                       place=place_name(organisation))


def findings_for(session: Session, *, store: DocumentStore, document: Document,
                 version: DocumentVersion, keep: bool = True) -> tuple[Finding, ...]:
    """The findings on ``version``: the kept ones, or a fresh check (kept when ``keep``). Flushes if it keeps."""
    row = session.execute(select(FormatCheckResult).where(FormatCheckResult.version_id == version.id)
                          ).scalar_one_or_none()
    if row is not None and row.checker == CHECKER:
        return tuple(Finding.from_dict(item) for item in row.findings)
    findings = check_pdf(store.read(version.sha256), expectation_for(document)).findings
    if keep:
        if row is None:
            row = FormatCheckResult(organisation_id=document.organisation_id, version_id=version.id)
            session.add(row)
        row.checker, row.findings, row.checked_at = CHECKER, [f.to_dict() for f in findings], utc_now()
        session.flush()
    return findings


def review_of(session: Session, *, store: DocumentStore, document: Document,
              keep: bool = True) -> FormatReview | None:
    """The format review of the current version (None without one), blocking findings first."""
    version = document.current_version
    if version is None:
        return None
    findings = findings_for(session, store=store, document=document, version=version, keep=keep)
    blocking = blocking_codes(session, document.organisation_id)
    return FormatReview(version_number=version.number,
                        blocking=tuple(f for f in findings if f.code in blocking),
                        warnings=tuple(f for f in findings if f.code not in blocking))


def require_format(session: Session, *, store: DocumentStore, document: Document) -> FormatReview | None:
    """The review of the current version, when nothing in it blocks. Raises FormatRefusedError. Flushes."""
    review = review_of(session, store=store, document=document)
    if review is not None and review.blocking:
        raise FormatRefusedError(review.blocking)
    return review
