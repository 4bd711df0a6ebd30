"""A document's signature chain checked against docflow's own records (issue 5).

The PDF says who signed and whether the bytes are intact; docflow's records say who was *meant* to sign:
the routing step each signature closed, the delegation register on the day it was made, the register
entry of the number, and the audit trail's SHA-256 of every stored version. ``check_document`` puts the
two side by side as a timeline of steps, each with a verdict, and an overall verdict.

Messages are English msgids with parameters (translated where shown, ``render`` for Vietnamese offline).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_, UnreadablePdfError
from docflow.models import AuditEvent, Document, DocumentKind, DocumentVersion, Register, Role, Signature, User
from docflow.models.routing import Delegation, RoutingStep, StepKind
from docflow.services import audit, registers
from docflow.services.people import delegations
from docflow.services import documents as doc_service
from docflow.services import signing as signing_service
from docflow.services.audit import AuditAction
from docflow.signing.base import DATE_FIELD, NUMBER_FIELD, CertificateKind, SignatureKind
from docflow.storage import BlobMissingError, DocumentStore

if TYPE_CHECKING:
    from docflow.signing.sign import TextField

# Events whose details record the SHA-256 of a version (``version`` defaults to 1 when absent).
HASH_EVENTS = (AuditAction.DOCUMENT_UPLOADED, AuditAction.DOCUMENT_VERSION_ADDED, AuditAction.DOCUMENT_SIGNED,
               AuditAction.INCOMING_REGISTERED)
# The steps that bring content in without a signature (a signature's version is checked against its record).
UPLOAD_EVENTS = (AuditAction.DOCUMENT_UPLOADED, AuditAction.DOCUMENT_VERSION_ADDED, AuditAction.INCOMING_REGISTERED)


@dataclass(frozen=True)
class Finding:
    """One message of a step: an English msgid and its parameters."""
    message: str
    params: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, message: str, **params: object) -> Finding:
        return cls(message, {k: str(v) for k, v in params.items()})

    def text(self, lang: str = "en") -> str:
        return render(self.message, self.params, lang)


@dataclass(frozen=True)
class ChainStep:
    kind: str                        # version | initial | personal | organisation | external | number
    title: Finding
    at: datetime | None
    who: str
    problems: tuple[Finding, ...] = ()
    notes: tuple[Finding, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": {"en": self.title.text("en"), "vi": self.title.text("vi")},
                "at": self.at.isoformat() if self.at else None, "who": self.who,
                "verdict": "ok" if self.ok else "problem",
                "problems": [{"en": p.text("en"), "vi": p.text("vi")} for p in self.problems],
                "notes": [{"en": n.text("en"), "vi": n.text("vi")} for n in self.notes]}


@dataclass(frozen=True)
class ChainCheck:
    document_id: int
    number_symbol: str | None
    steps: tuple[ChainStep, ...]
    pdf_report: Mapping[str, Any] | None

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    @property
    def problem_count(self) -> int:
        return sum(len(step.problems) for step in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {"document_id": self.document_id, "number_symbol": self.number_symbol,
                "verdict": "ok" if self.ok else "problem", "steps": [s.to_json() for s in self.steps],
                "pdf_report": dict(self.pdf_report) if self.pdf_report is not None else None}


def render(message: str, params: Mapping[str, str], lang: str = "en") -> str:
    """A msgid in ``lang`` from docflow's compiled catalogues (no Flask needed). Raises nothing."""
    from docflow.signing.verify import message_vi
    text = message
    if lang == "vi":
        text = _catalogue().gettext(message)
        if text == message:
            text = message_vi.get(message, message)
    try:
        return text % dict(params) if params else text
    except (KeyError, ValueError, TypeError):
        return text


_CATALOGUE: Any = None


def _catalogue() -> Any:
    global _CATALOGUE  # noqa: PLW0603 - read once per process, like Flask-Babel's own cache
    if _CATALOGUE is None:
        import gettext
        from pathlib import Path
        directory = Path(__file__).resolve().parent.parent / "translations"
        _CATALOGUE = gettext.translation("messages", str(directory), languages=["vi"], fallback=True)
    return _CATALOGUE


def check_document(session: Session, *, settings: Settings, store: DocumentStore, actor: User, document_id: int,
                   now: datetime | None = None) -> ChainCheck:
    """Check a document's versions, signatures and number against docflow's records, and audit the run
    (SIGNATURE_CHAIN_CHECKED). Raises NotFoundError, PermissionDeniedError. Flushes."""
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id)
    result = build_check(session, settings=settings, store=store, document=document)
    audit.record(session, action=AuditAction.SIGNATURE_CHAIN_CHECKED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"verdict": "ok" if result.ok else "problem", "problems": result.problem_count,
                          "steps": len(result.steps)})
    return result


def build_check(session: Session, *, settings: Settings, store: DocumentStore, document: Document) -> ChainCheck:
    """The check itself, for a document already authorised. Flushes a kept verification report only."""
    events = audit.events_for(session, object_type="document", object_id=document.id)
    records = list(session.execute(select(Signature).where(Signature.document_id == document.id)
                                   .order_by(Signature.id)).scalars())
    steps = [*_event_steps(events), *_version_steps(store, document, events, records)]
    report = _pdf_report(session, settings, store, document)
    steps.extend(_signature_steps(session, settings, store, document, report, records))
    steps.extend(_number_steps(session, store, document, events))
    return ChainCheck(document_id=document.id, number_symbol=document.number_symbol, steps=tuple(steps),
                      pdf_report=report)


# --- the audit trail and the stored versions -----------------------------------------------------------

def _event_steps(events: list[AuditEvent]) -> list[ChainStep]:
    broken = [e.seq for e in events if audit.event_hash(e.prev_hash, audit.event_content(e)) != e.hash]
    if not broken:
        return []
    return [ChainStep("audit", Finding.of(N_("Audit events of the document")), None, "",
                      tuple(Finding.of(N_("Audit event #%(seq)s no longer matches its hash: the row was changed."),
                                       seq=seq) for seq in broken))]


def _recorded_hashes(events: Iterable[AuditEvent]) -> dict[int, str]:
    recorded: dict[int, str] = {}
    for event in events:
        if event.action in HASH_EVENTS and isinstance(event.details.get("sha256"), str):
            number = event.details.get("version", 1)
            recorded.setdefault(int(number) if isinstance(number, int) else 1, event.details["sha256"])
    return recorded


def stored_sha256(store: DocumentStore, sha256: str) -> str | None:
    """The SHA-256 of the bytes actually stored under a version's name, or None when the file is gone."""
    digest = hashlib.sha256()
    try:
        with store.open(sha256) as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except BlobMissingError:
        return None
    return digest.hexdigest()


def _uploads(events: Iterable[AuditEvent]) -> set[tuple[int, str]]:
    """(version number, SHA-256) of every version an upload step recorded: the draft, a new version, the
    number and date fields added at the route's start, a registration."""
    found = set()
    for event in events:
        if event.action in UPLOAD_EVENTS and isinstance(event.details.get("sha256"), str):
            number = event.details.get("version", 1)
            found.add((number if isinstance(number, int) else 1, event.details["sha256"]))
    return found


def _producer_problems(version: DocumentVersion, record: Signature | None,
                       uploads: set[tuple[int, str]]) -> list[Finding]:
    """Every stored version comes from a recorded step: a signature docflow made (whose record holds the
    SHA-256 before and after) or a recorded upload. A row written past the services has neither."""
    if record is None:
        if (version.number, version.sha256) in uploads:
            return []
        return [Finding.of(N_("No recorded step produced version %(n)s: neither a signature docflow made nor a "
                              "recorded upload. It was added outside docflow."), n=version.number)]
    problems = []
    if record.after_sha256 != version.sha256:
        problems.append(Finding.of(N_("The signature record of version %(n)s produced %(recorded)s, not this "
                                      "file."), n=version.number, recorded=record.after_sha256[:16]))
    parent = version.parent
    if parent is not None and record.before_sha256 != parent.sha256:
        problems.append(Finding.of(N_("The signature of version %(n)s was made on %(recorded)s, not on version "
                                      "%(parent)s."), n=version.number, recorded=record.before_sha256[:16],
                                   parent=parent.number))
    return problems


def _version_steps(store: DocumentStore, document: Document, events: list[AuditEvent],
                   records: list[Signature]) -> list[ChainStep]:
    recorded = _recorded_hashes(events)
    signed = _signed_versions(events)
    uploads = _uploads(events)
    by_version = {r.version_id: r for r in records}
    intact: set[int] = set()
    steps = []
    for version in document.versions:
        problems = _stored_problems(store, version)
        if not problems:
            intact.add(version.number)
        problems.extend(_producer_problems(version, by_version.get(version.id), uploads))
        if version.number not in recorded:
            problems.append(Finding.of(N_("No audit event records the SHA-256 of version %(n)s."), n=version.number))
        elif recorded[version.number] != version.sha256:
            problems.append(Finding.of(N_("The audit trail records another SHA-256 for version %(n)s (%(recorded)s)."),
                                       n=version.number, recorded=recorded[version.number][:16]))
        parent = version.parent
        if version.number in signed and parent is not None and {version.number, parent.number} <= intact \
                and not extends(store, version.sha256, parent.sha256):
            # Signing appends an incremental update; anything else rewrote the signed bytes before it.
            problems.append(Finding.of(N_("Version %(n)s was signed but does not extend version %(parent)s byte for "
                                          "byte: the earlier content was rewritten."), n=version.number,
                                       parent=parent.number))
        steps.append(ChainStep("version", Finding.of(N_("Version %(n)s stored"), n=version.number),
                               version.created_at, version.created_by.full_name, tuple(problems),
                               (Finding.of(N_("SHA-256 %(sha256)s"), sha256=version.sha256),)))
    return steps


def _stored_problems(store: DocumentStore, version: DocumentVersion) -> list[Finding]:
    actual = stored_sha256(store, version.sha256)
    if actual is None:
        return [Finding.of(N_("The file of version %(n)s is missing from storage."), n=version.number)]
    if actual != version.sha256:
        return [Finding.of(N_("The stored bytes of version %(n)s were replaced: their SHA-256 is %(actual)s, not "
                              "%(sha256)s."), n=version.number, actual=actual[:16], sha256=version.sha256[:16])]
    return []


def _signed_versions(events: Iterable[AuditEvent]) -> set[int]:
    return {int(e.details["version"]) for e in events
            if e.action == AuditAction.DOCUMENT_SIGNED and isinstance(e.details.get("version"), int)}


def extends(store: DocumentStore, sha256: str, parent_sha256: str) -> bool:
    """Whether the blob ``sha256`` begins with every byte of ``parent_sha256`` (an incremental update)."""
    with store.open(sha256) as child, store.open(parent_sha256) as parent:
        while chunk := parent.read(1 << 20):
            if child.read(len(chunk)) != chunk:
                return False
    return True


def _pdf_report(session: Session, settings: Settings, store: DocumentStore,
                document: Document) -> dict[str, Any] | None:
    current = document.current_version
    if current is None:
        return None
    try:
        data = store.read(current.sha256)
        # Keyed by the bytes' real digest, so replaced bytes are verified afresh, never from the cache.
        return signing_service.verify_bytes(session, settings=settings, data=data)
    except (BlobMissingError, UnreadablePdfError):
        return None


# --- the signatures ------------------------------------------------------------------------------------

def _signature_steps(session: Session, settings: Settings, store: DocumentStore, document: Document,
                     report: dict[str, Any] | None, all_records: list[Signature]) -> list[ChainStep]:
    records = {s.field_name: s for s in all_records}
    steps_by_signature = {step.signature_id: step for step in session.execute(
        select(RoutingStep).where(RoutingStep.document_id == document.id,
                                  RoutingStep.signature_id.is_not(None))).scalars()}
    steps: list[ChainStep] = []
    personal_ok = False
    seen: set[str] = set()
    pdf_signatures = [s for s in (report or {}).get("signatures", []) if not s.get("is_timestamp")]
    for index, pdf_sig in enumerate(pdf_signatures):
        seen.add(pdf_sig["field"])
        record = records.get(pdf_sig["field"])
        problems = _crypto_problems(report or {}, index, pdf_sig)
        if record is None:
            if document.kind is DocumentKind.OUTGOING:
                problems.append(Finding.of(N_("docflow has no record of this signature on its own document.")))
            steps.append(ChainStep("external", Finding.of(N_("Signature %(field)s by %(signer)s"),
                                                          field=pdf_sig["field"], signer=pdf_sig.get("signer", "")),
                                   _time(pdf_sig.get("signing_time")), pdf_sig.get("signer", ""), tuple(problems)))
            continue
        if pdf_sig.get("certificate_sha256") and pdf_sig["certificate_sha256"] != record.certificate.sha256:
            problems.append(Finding.of(N_("The certificate in the PDF is not the one docflow recorded for this "
                                          "signature.")))
        problems.extend(_made_here_problems(store, document, record))
        problems.extend(_holder_problems(record))
        problems.extend(_time_problems(pdf_sig, record))
        problems.extend(_record_problems(session, settings, document, record,
                                         _step_of(session, record, steps_by_signature), personal_ok))
        if record.kind is SignatureKind.PERSONAL and not problems:
            personal_ok = True
        steps.append(ChainStep(_kind(record), _title(record), record.signed_at, record.signer.full_name,
                               tuple(problems), _notes(record)))
    for name, record in records.items():
        if name not in seen:
            steps.append(ChainStep(_kind(record), _title(record), record.signed_at, record.signer.full_name,
                                   (Finding.of(N_("docflow recorded this signature but it is not in the current PDF.")),)))
    return steps


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
    if record.kind in signing_service.ORGANISATION_KINDS:
        if certificate.holder_id is None and certificate.kind is CertificateKind.ORGANISATION:
            return []
    elif certificate.holder_id == record.signer_id:
        return []
    holder = certificate.holder.full_name if certificate.holder is not None else certificate.subject
    return [Finding.of(N_("docflow records %(signer)s as the signer, but the certificate belongs to %(holder)s."),
                       signer=record.signer.full_name, holder=holder)]


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


# docflow records the signing time when it signs; the PDF's timestamp (or claimed time) is taken moments later.
TIME_TOLERANCE = timedelta(minutes=30)


def _time_problems(pdf_sig: Mapping[str, Any], record: Signature) -> list[Finding]:
    """The entitlement is judged at docflow's recorded time, so that time must agree with the PDF's own:
    a record moved into a delegation's dates would otherwise pass."""
    in_pdf = _time(pdf_sig.get("timestamp_time")) or _time(pdf_sig.get("signing_time"))
    if in_pdf is None or abs(_aware(in_pdf) - _aware(record.signed_at)) <= TIME_TOLERANCE:
        return []
    return [Finding.of(N_("docflow records the signature at %(recorded)s, but the PDF says %(in_pdf)s."),
                       recorded=_aware(record.signed_at).isoformat(timespec="minutes"),
                       in_pdf=_aware(in_pdf).isoformat(timespec="minutes"))]


def _kind(record: Signature) -> str:
    return "organisation" if record.kind in signing_service.ORGANISATION_KINDS else record.kind.value


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


def _record_problems(session: Session, settings: Settings, document: Document, record: Signature,
                     step: RoutingStep | None, personal_ok: bool) -> list[Finding]:
    problems: list[Finding] = []
    on_route = document.kind is DocumentKind.OUTGOING
    if step is None and on_route:
        problems.append(Finding.of(N_("No routing step of the document records this signature.")))
    if step is not None and step.assignee_id is not None and step.assignee_id != record.signer_id:
        assignee = session.get(User, step.assignee_id)
        problems.append(Finding.of(N_("The step was assigned to %(assignee)s, but %(signer)s signed it."),
                                   assignee=assignee.full_name if assignee else step.assignee_id,
                                   signer=record.signer.full_name))
    if record.kind is SignatureKind.PERSONAL:
        if on_route and document.signer_id != record.signer_id:
            problems.append(Finding.of(N_("%(signer)s signed, but the document names another signer."),
                                       signer=record.signer.full_name))
        entitlement = entitlement_at(session, signer=record.signer, doc_type=document.doc_type, at=record.signed_at,
                                     day=signing_service.local_today(settings, record.signed_at))
        if entitlement is not None:
            problems.append(entitlement)
    elif record.kind in signing_service.ORGANISATION_KINDS:
        if not personal_ok:
            problems.append(Finding.of(N_("The organisation signature was applied without a valid personal "
                                          "signature before it.")))
        if role_and_post_at(session, record.signer, record.signed_at)[0] is not Role.CLERK:
            problems.append(Finding.of(N_("The organisation signature was applied by %(signer)s, who is not a "
                                          "clerk."), signer=record.signer.full_name))
        if on_route and (step is None or step.kind is not StepKind.ISSUE):
            problems.append(Finding.of(N_("The organisation signature did not close the issue step.")))
    return problems


def entitlement_at(session: Session, *, signer: User, doc_type: str, at: datetime, day: date) -> Finding | None:
    """None when ``signer`` held the right to sign a ``doc_type`` at ``at`` (``day`` in the ward's calendar):
    a delegation valid that day and not yet revoked, or the chairman's and vice-chairmen's standing rule.
    Otherwise why not. Unlike the signing-time check, a delegation revoked *after* the signature still
    counts. Reads only."""
    rows = list(session.execute(select(Delegation).where(Delegation.delegate_id == signer.id)
                                .order_by(Delegation.created_at.desc(), Delegation.id.desc())).scalars())
    if any(_held(session, d, doc_type, at, day) for d in rows):
        return None
    role, post = role_and_post_at(session, signer, at)
    folded = " ".join(post.split()).casefold()
    if role is Role.LEADER and (folded.startswith("chủ tịch") or folded.startswith("phó chủ tịch")):
        return None  # the standing rule: the chairman signs TM., a vice-chairman KT.
    lapsed = [d for d in rows if delegations.covers_type(d, doc_type)]
    for d in lapsed:
        if d.valid_to is not None and d.valid_to < day:
            return Finding.of(N_("%(name)s's delegation #%(id)s expired on %(to)s, before the signature on %(day)s."),
                              name=signer.full_name, id=d.id, to=d.valid_to.strftime("%d/%m/%Y"),
                              day=day.strftime("%d/%m/%Y"))
        if d.revoked_at is not None and d.revoked_at <= at:
            return Finding.of(N_("%(name)s's delegation #%(id)s was revoked before the signature on %(day)s."),
                              name=signer.full_name, id=d.id, day=day.strftime("%d/%m/%Y"))
    return Finding.of(N_("%(name)s held neither the role nor a valid delegation to sign this type of document "
                         "on %(day)s."), name=signer.full_name, day=day.strftime("%d/%m/%Y"))


def role_and_post_at(session: Session, user: User, at: datetime) -> tuple[Role, str]:
    """The role and post ``user`` held at ``at``: the "from" side of the first change of each recorded in the
    audit trail after that moment, else the current ones. Reads only."""
    role, post = user.role, user.post or ""
    later = session.execute(select(AuditEvent).where(
        AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id),
        AuditEvent.action == str(AuditAction.USER_UPDATED), AuditEvent.occurred_at > at)
        .order_by(AuditEvent.seq.desc())).scalars()
    for event in later:   # newest first, so the earliest change after ``at`` is applied last
        changes = event.details.get("changes") or {}
        if "role" in changes:
            role = Role(changes["role"]["from"])
        if "post" in changes:
            post = str(changes["post"]["from"] or "")
    return role, post


def _held(session: Session, delegation: Delegation, doc_type: str, at: datetime, day: date) -> bool:
    link: Delegation | None = delegation
    for _ in range(delegations.MAX_CHAIN):
        if link is None:
            return True
        if day < link.valid_from or (link.valid_to is not None and day > link.valid_to) \
                or (link.revoked_at is not None and _aware(link.revoked_at) <= _aware(at)) \
                or not delegations.covers_type(link, doc_type):
            return False
        link = session.get(Delegation, link.parent_id) if link.parent_id is not None else None
    return False


def _aware(moment: datetime) -> datetime:
    from datetime import UTC
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- the number ----------------------------------------------------------------------------------------

def _number_steps(session: Session, store: DocumentStore, document: Document,
                  events: list[AuditEvent]) -> list[ChainStep]:
    if document.register_id is None or document.register_number is None:
        return []
    register = session.get(Register, document.register_id)
    problems: list[Finding] = []
    if register is None:
        return [ChainStep("number", Finding.of(N_("Register entry")), document.issued_at, "",
                          (Finding.of(N_("The register of this document does not exist.")),))]
    number = document.register_number
    if number > register.last_number:
        problems.append(Finding.of(N_("Number %(n)s is beyond the register's last number %(last)s."),
                                   n=number, last=register.last_number))
    same = session.execute(select(func.count()).select_from(Document).where(
        Document.register_id == register.id, Document.register_number == number)).scalar_one()
    if same > 1:
        problems.append(Finding.of(N_("Number %(n)s of the register is used by %(count)s documents."), n=number,
                                   count=same))
    if document.kind is DocumentKind.OUTGOING:
        problems.extend(_outgoing_number_problems(store, document, events, register))
    title = Finding.of(N_("Number %(number)s in the register “%(register)s” of %(year)s"),
                       number=document.number_symbol or registers.format_number(number), register=register.name,
                       year=register.year)
    return [ChainStep("number", title, document.issued_at or document.received_at, "", tuple(problems))]


def _outgoing_number_problems(store: DocumentStore, document: Document, events: list[AuditEvent],
                              register: Register) -> list[Finding]:
    assert document.register_number is not None
    problems = []
    expected = registers.number_symbol(document.register_number, doc_type=document.doc_type,
                                       body=document.organisation.code,
                                       unit=document.department.code if document.department else "")
    if document.number_symbol != expected:
        problems.append(Finding.of(N_("The document's number %(number)s does not match its register entry "
                                      "(%(expected)s)."), number=document.number_symbol or "", expected=expected))
    issued = [e for e in events if e.action == AuditAction.DOCUMENT_ISSUED]
    if not issued:
        problems.append(Finding.of(N_("No audit event records the issue of this number.")))
    for event in issued:
        if event.details.get("number") != document.register_number or event.details.get("register_id") != register.id \
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
    expected = signing_service.number_and_date_values(document, day=document.document_date)
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
    from docflow.signing.sign import read_text_fields
    if version is None:
        return {}
    try:
        return read_text_fields(store.read(version.sha256))
    except (BlobMissingError, UnreadablePdfError):
        return {}
