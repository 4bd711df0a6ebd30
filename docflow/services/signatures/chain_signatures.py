"""The chain check's signatures: each signature in the PDF set beside docflow's record of it (the step it
closed, the certificate, the time, the entitlement that day, the Decree 30 order of personal signature and
seal), and each record whose signature the PDF no longer carries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_
from docflow.models import Document, DocumentKind, Role, Signature, User
from docflow.models.routing import RoutingStep, StepKind
from docflow.services.signatures.chain_entitlement import aware, entitlement_at, role_and_post_at
from docflow.services.signatures.chain_findings import ChainStep, Finding
from docflow.services.signatures.chain_versions import extends
from docflow.services.signatures.context import ORGANISATION_KINDS, local_today
from docflow.signing.base import CertificateKind, SignatureKind
from docflow.signing.subjects import parse_subject
from docflow.storage import BlobMissingError, DocumentStore

# docflow records the signing time when it signs; the PDF's timestamp (or claimed time) is taken moments later.
TIME_TOLERANCE = timedelta(minutes=30)


def signature_steps(session: Session, settings: Settings, store: DocumentStore, document: Document,
                    report: dict[str, Any] | None, all_records: list[Signature]) -> list[ChainStep]:
    """One step per signature in the PDF (oldest first), then one per record the PDF does not carry."""
    records = {s.field_name: s for s in all_records}
    steps_by_signature = {step.signature_id: step for step in session.execute(
        select(RoutingStep).where(RoutingStep.document_id == document.id,
                                  RoutingStep.signature_id.is_not(None))).scalars()}
    steps: list[ChainStep] = []
    personal_ok = False
    pdf_signatures = [s for s in (report or {}).get("signatures", []) if not s.get("is_timestamp")]
    for index, pdf_sig in enumerate(pdf_signatures):
        record = records.get(pdf_sig["field"])
        problems = _crypto_problems(report or {}, index, pdf_sig)
        if record is None:
            steps.append(_external_step(document, pdf_sig, problems))
            continue
        problems.extend(_record_problems(session, settings, store, document, record, pdf_sig,
                                         _step_of(session, record, steps_by_signature), personal_ok))
        if record.kind is SignatureKind.PERSONAL and not problems:
            personal_ok = True
        steps.append(ChainStep(_kind(record), _title(record), record.signed_at, record.signer.full_name,
                               tuple(problems), _notes(record)))
    seen = {pdf_sig["field"] for pdf_sig in pdf_signatures}
    for name, record in records.items():
        if name not in seen:
            steps.append(ChainStep(_kind(record), _title(record), record.signed_at, record.signer.full_name,
                                   (Finding.of(N_("docflow recorded this signature but it is not in the current PDF.")),)))
    return steps


def _external_step(document: Document, pdf_sig: Mapping[str, Any], problems: list[Finding]) -> ChainStep:
    """A signature docflow did not make: expected on a received document, a problem on the ward's own."""
    if document.kind is DocumentKind.OUTGOING:
        problems.append(Finding.of(N_("docflow has no record of this signature on its own document.")))
    return ChainStep("external", Finding.of(N_("Signature %(field)s by %(signer)s"), field=pdf_sig["field"],
                                            signer=parse_subject(pdf_sig.get("signer", "")).readable),
                     _time(pdf_sig.get("signing_time")), pdf_sig.get("signer", ""), tuple(problems))


def _record_problems(session: Session, settings: Settings, store: DocumentStore, document: Document,
                     record: Signature, pdf_sig: Mapping[str, Any], step: RoutingStep | None,
                     personal_ok: bool) -> list[Finding]:
    problems: list[Finding] = []
    if pdf_sig.get("certificate_sha256") and pdf_sig["certificate_sha256"] != record.certificate.sha256:
        problems.append(Finding.of(N_("The certificate in the PDF is not the one docflow recorded for this "
                                      "signature.")))
    problems.extend(_made_here_problems(store, document, record))
    problems.extend(_holder_problems(record))
    problems.extend(_time_problems(pdf_sig, record))
    problems.extend(_step_problems(session, document, record, step))
    if record.kind is SignatureKind.PERSONAL:
        problems.extend(_personal_problems(session, settings, document, record))
    elif record.kind in ORGANISATION_KINDS:
        problems.extend(_seal_problems(session, document, record, step, personal_ok))
    return problems


def _made_here_problems(store: DocumentStore, document: Document, record: Signature) -> list[Finding]:
    """A signature in the PDF is the one the record made only if the file continues, byte for byte, the
    version that signature produced: the same field name and signer on another document's bytes is not."""
    current = document.current_version
    try:
        if current is not None and extends(store, current.sha256, record.after_sha256):
            return []
    except BlobMissingError:
        pass
    return [Finding.of(N_("The signature %(field)s in the PDF is not the one docflow's step made: the file does not "
                          "continue the version that step produced."), field=record.field_name)]


def _holder_problems(record: Signature) -> list[Finding]:
    """The recorded signer must hold the certificate (the ward's own certificate for the organisation's)."""
    certificate = record.certificate
    if record.kind in ORGANISATION_KINDS:
        if certificate.holder_id is None and certificate.kind is CertificateKind.ORGANISATION:
            return []
    elif certificate.holder_id == record.signer_id:
        return []
    holder = certificate.holder.full_name if certificate.holder is not None else certificate.subject
    return [Finding.of(N_("docflow records %(signer)s as the signer, but the certificate belongs to %(holder)s."),
                       signer=record.signer.full_name, holder=holder)]


def _time_problems(pdf_sig: Mapping[str, Any], record: Signature) -> list[Finding]:
    """The entitlement is judged at docflow's recorded time, so that time must agree with the PDF's own:
    a record moved into a delegation's dates would otherwise pass."""
    in_pdf = _time(pdf_sig.get("timestamp_time")) or _time(pdf_sig.get("signing_time"))
    if in_pdf is None or abs(aware(in_pdf) - aware(record.signed_at)) <= TIME_TOLERANCE:
        return []
    return [Finding.of(N_("docflow records the signature at %(recorded)s, but the PDF says %(in_pdf)s."),
                       recorded=aware(record.signed_at).isoformat(timespec="minutes"),
                       in_pdf=aware(in_pdf).isoformat(timespec="minutes"))]


def _step_of(session: Session, record: Signature,
             steps_by_signature: Mapping[int | None, RoutingStep]) -> RoutingStep | None:
    """The routing step the record names; a step pointing at another record does not count."""
    pointing = steps_by_signature.get(record.id)
    if record.step_id is None:
        return pointing
    named = session.get(RoutingStep, record.step_id)
    if named is None or named.document_id != record.document_id or (pointing is not None and pointing.id != named.id):
        return None
    return named


def _step_problems(session: Session, document: Document, record: Signature,
                   step: RoutingStep | None) -> list[Finding]:
    """On its route, a signature closes a step, and the step's assignee made it."""
    problems: list[Finding] = []
    if step is None and document.kind is DocumentKind.OUTGOING:
        problems.append(Finding.of(N_("No routing step of the document records this signature.")))
    if step is not None and step.assignee_id is not None and step.assignee_id != record.signer_id:
        assignee = session.get(User, step.assignee_id)
        problems.append(Finding.of(N_("The step was assigned to %(assignee)s, but %(signer)s signed it."),
                                   assignee=assignee.full_name if assignee else step.assignee_id,
                                   signer=record.signer.full_name))
    return problems


def _personal_problems(session: Session, settings: Settings, document: Document,
                       record: Signature) -> list[Finding]:
    """The personal signature is the document's named signer's, entitled on the day they signed."""
    problems: list[Finding] = []
    if document.kind is DocumentKind.OUTGOING and document.signer_id != record.signer_id:
        problems.append(Finding.of(N_("%(signer)s signed, but the document names another signer."),
                                   signer=record.signer.full_name))
    entitlement = entitlement_at(session, signer=record.signer, doc_type=document.doc_type, at=record.signed_at,
                                 day=local_today(settings, record.signed_at))
    if entitlement is not None:
        problems.append(entitlement)
    return problems


def _seal_problems(session: Session, document: Document, record: Signature, step: RoutingStep | None,
                   personal_ok: bool) -> list[Finding]:
    """The seal follows a valid personal signature, is applied by a clerk, and closes the issue step."""
    problems: list[Finding] = []
    if not personal_ok:
        problems.append(Finding.of(N_("The organisation signature was applied without a valid personal "
                                      "signature before it.")))
    if role_and_post_at(session, record.signer, record.signed_at)[0] is not Role.CLERK:
        problems.append(Finding.of(N_("The organisation signature was applied by %(signer)s, who is not a "
                                      "clerk."), signer=record.signer.full_name))
    if document.kind is DocumentKind.OUTGOING and (step is None or step.kind is not StepKind.ISSUE):
        problems.append(Finding.of(N_("The organisation signature did not close the issue step.")))
    return problems


def _kind(record: Signature) -> str:
    return "organisation" if record.kind in ORGANISATION_KINDS else record.kind.value


def _title(record: Signature) -> Finding:
    titles = {SignatureKind.INITIAL: N_("Initials (ký nháy)"), SignatureKind.PERSONAL: N_("Personal signature"),
              SignatureKind.ORGANISATION: N_("Organisation signature (seal)"),
              SignatureKind.ORGANISATION_TEXT: N_("Organisation signature")}
    return Finding.of(titles.get(record.kind, N_("Signature")))


def _notes(record: Signature) -> tuple[Finding, ...]:
    notes = [Finding.of(N_("Field %(field)s, certificate %(serial)s"), field=record.field_name,
                        serial=record.certificate.serial)]
    if record.mode_line:
        notes.append(Finding.of(N_("Signed as: %(mode)s"), mode=record.mode_line))
    return tuple(notes)


def _crypto_problems(report: Mapping[str, Any], index: int, pdf_sig: Mapping[str, Any]) -> list[Finding]:
    all_signatures = report.get("signatures", [])
    position = next((i for i, s in enumerate(all_signatures) if s is pdf_sig), index)
    msgids = report.get("msgids", {}).get("signatures", [])
    found = [Finding.of(p["message"], **p.get("params", {})) for p in (msgids[position] if position < len(msgids) else [])]
    if not found and not (pdf_sig.get("intact") and pdf_sig.get("trusted")):
        found.append(Finding.of(N_("The signature does not verify.")))
    return found


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
