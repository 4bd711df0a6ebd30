"""The chain check's first half: the document's audit events still match their hashes, and every stored
version is intact, recorded in the audit trail, produced by a recorded step, and (when signed) extends the
version before it byte for byte."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timezone, tzinfo

from docflow.errors import N_
from docflow.models import AuditEvent, Document, DocumentVersion, Signature
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.signatures.chain_findings import ChainStep, Finding
from docflow.services.signatures.chain_renewals import renewal_step
from docflow.services.signatures.context import ORGANISATION_KINDS
from docflow.storage import DocumentStore

# Events whose details record the SHA-256 of a version (``version`` defaults to 1 when absent).
HASH_EVENTS = (AuditAction.DOCUMENT_UPLOADED, AuditAction.DOCUMENT_VERSION_ADDED, AuditAction.DOCUMENT_SIGNED,
               AuditAction.INCOMING_REGISTERED, AuditAction.DOCUMENT_RENEWED)
# The steps that bring content in without a signature (a signature's version is checked against its record).
UPLOAD_EVENTS = (AuditAction.DOCUMENT_UPLOADED, AuditAction.DOCUMENT_VERSION_ADDED, AuditAction.INCOMING_REGISTERED)


def event_steps(events: list[AuditEvent]) -> list[ChainStep]:
    """A step naming every audit event of the document whose row no longer matches its hash; none if all do."""
    broken = [e.seq for e in events if audit.event_hash(e.prev_hash, audit.event_content(e)) != e.hash]
    if not broken:
        return []
    return [ChainStep("audit", Finding.of(N_("Audit events of the document")), None, "",
                      tuple(Finding.of(N_("Audit event #%(seq)s no longer matches its hash: the row was changed."),
                                       seq=seq) for seq in broken))]


def version_steps(store: DocumentStore, document: Document, events: list[AuditEvent],
                  records: list[Signature], zone: tzinfo = timezone.utc) -> list[ChainStep]:
    """One step per stored version, with what is wrong with its bytes, its audit record and its producer; a
    renewal is named as one (chain_renewals), its producer the renewal check."""
    recorded = _recorded_hashes(events)
    signed = _signed_versions(events)
    uploads = _uploads(events)
    by_version = {r.version_id: r for r in records}
    issued = {r.version_id for r in records if r.kind in ORGANISATION_KINDS}
    intact: set[int] = set()
    steps = []
    for version in document.versions:
        problems = _stored_problems(store, version)
        if not problems:
            intact.add(version.number)
        if version.is_renewal:
            steps.append(renewal_step(store, version, issued, zone, [*problems, *_audit_problems(version, recorded)]))
            continue
        problems.extend(_producer_problems(version, by_version.get(version.id), uploads))
        problems.extend(_audit_problems(version, recorded))
        if version.number in signed:
            problems.extend(_rewrite_problems(store, version, intact))
        steps.append(ChainStep("version", Finding.of(N_("Version %(n)s stored"), n=version.number),
                               version.created_at, version.author_name, tuple(problems),
                               (Finding.of(N_("SHA-256 %(sha256)s"), sha256=version.sha256),)))
    return steps


def _recorded_hashes(events: Iterable[AuditEvent]) -> dict[int, str]:
    recorded: dict[int, str] = {}
    for event in events:
        if event.action in HASH_EVENTS and isinstance(event.details.get("sha256"), str):
            number = event.details.get("version", 1)
            recorded.setdefault(int(number) if isinstance(number, int) else 1, event.details["sha256"])
    return recorded


def _uploads(events: Iterable[AuditEvent]) -> set[tuple[int, str]]:
    """(version number, SHA-256) of every version an upload step recorded: the draft, a new version, the
    number and date fields added at the route's start, a registration."""
    found = set()
    for event in events:
        if event.action in UPLOAD_EVENTS and isinstance(event.details.get("sha256"), str):
            number = event.details.get("version", 1)
            found.add((number if isinstance(number, int) else 1, event.details["sha256"]))
    return found


def _signed_versions(events: Iterable[AuditEvent]) -> set[int]:
    return {int(e.details["version"]) for e in events
            if e.action == AuditAction.DOCUMENT_SIGNED and isinstance(e.details.get("version"), int)}


def _stored_problems(store: DocumentStore, version: DocumentVersion) -> list[Finding]:
    actual = stored_sha256(store, version.sha256)
    if actual is None:
        return [Finding.of(N_("The file of version %(n)s is missing from storage."), n=version.number)]
    if actual != version.sha256:
        return [Finding.of(N_("The stored bytes of version %(n)s were replaced: their SHA-256 is %(actual)s, not "
                              "%(sha256)s."), n=version.number, actual=actual[:16], sha256=version.sha256[:16])]
    return []


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


def _audit_problems(version: DocumentVersion, recorded: dict[int, str]) -> list[Finding]:
    if version.number not in recorded:
        return [Finding.of(N_("No audit event records the SHA-256 of version %(n)s."), n=version.number)]
    if recorded[version.number] != version.sha256:
        return [Finding.of(N_("The audit trail records another SHA-256 for version %(n)s (%(recorded)s)."),
                           n=version.number, recorded=recorded[version.number][:16])]
    return []


def _rewrite_problems(store: DocumentStore, version: DocumentVersion, intact: set[int]) -> list[Finding]:
    """Signing appends an incremental update; anything else rewrote the signed bytes before it."""
    parent = version.parent
    if parent is not None and {version.number, parent.number} <= intact \
            and not extends(store, version.sha256, parent.sha256):
        return [Finding.of(N_("Version %(n)s was signed but does not extend version %(parent)s byte for "
                              "byte: the earlier content was rewritten."), n=version.number, parent=parent.number)]
    return []


def stored_sha256(store: DocumentStore, sha256: str) -> str | None:
    """The SHA-256 of the bytes actually stored under a version's name, or None when the file is gone."""
    return store.actual_sha256(sha256)


def extends(store: DocumentStore, sha256: str, parent_sha256: str) -> bool:
    """Whether the blob ``sha256`` begins with every byte of ``parent_sha256`` (an incremental update)."""
    with store.open(sha256) as child, store.open(parent_sha256) as parent:
        while chunk := parent.read(1 << 20):
            if child.read(len(chunk)) != chunk:
                return False
    return True
