"""Which stored versions are the ward's issued bytes, which are renewals of them, and whether some bytes are
either: the answer to "are these the issued bytes?" that the public check and the chain check share.

The issued bytes of a document are the version its organisation signature made (docflow's record of the seal,
or of the ward's text-only signature). A renewal is a version of kind "renewal" whose parent is the issued
version or a renewal of it; bytes are accepted as a renewal only when ``check_renewal`` finds them to be the
issued bytes followed by nothing but validation data and document timestamps, whether docflow stored them or
somebody else extended the issued file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from docflow.errors import N_
from docflow.models import AuditEvent, Document, DocumentVersion, Signature
from docflow.services.audit import AuditAction
from docflow.services.signatures.context import ORGANISATION_KINDS
from docflow.storage import BlobMissingError, DocumentStore

if TYPE_CHECKING:
    from docflow.signing.renewal import RenewalCheck

_EOF = b"%%EOF"


@dataclass(frozen=True)
class IssuedMatch:
    """Bytes set beside the issued version they begin with. ``problems`` (msgid, params) empty: they are the
    issued bytes (``renewal_times`` empty) or a renewal of them (the document timestamps' times)."""
    document_id: int
    number_symbol: str | None
    issued_at: datetime | None
    issued_version: int
    stored_version: int | None            # the stored version these exact bytes are, if any
    renewal_times: tuple[datetime, ...]
    problems: tuple[tuple[str, dict[str, str]], ...]

    @property
    def accepted(self) -> bool:
        return not self.problems

    @property
    def is_renewal(self) -> bool:
        return bool(self.renewal_times)

    def to_json(self) -> dict[str, Any]:
        return {"document_id": self.document_id, "number_symbol": self.number_symbol,
                "issued_at": self.issued_at.isoformat() if self.issued_at else None,
                "issued_version": self.issued_version, "stored_version": self.stored_version,
                "renewal_times": [t.isoformat() for t in self.renewal_times], "accepted": self.accepted,
                "problems": [{"message": m, "params": p} for m, p in self.problems]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IssuedMatch:
        return cls(document_id=int(data["document_id"]), number_symbol=data.get("number_symbol"),
                   issued_at=datetime.fromisoformat(data["issued_at"]) if data.get("issued_at") else None,
                   issued_version=int(data["issued_version"]), stored_version=data.get("stored_version"),
                   renewal_times=tuple(datetime.fromisoformat(t) for t in data.get("renewal_times", [])),
                   problems=tuple((p["message"], dict(p.get("params", {}))) for p in data.get("problems", [])))


def issued_version_ids(session: Session, document_ids: Iterable[int] | None = None, *,
                       version_ids: Iterable[int] | None = None) -> dict[int, int]:
    """version id -> document id of every issued version (of ``document_ids`` and among ``version_ids``, when
    given). Reads only."""
    query = select(Signature.version_id, Signature.document_id).where(Signature.kind.in_(ORGANISATION_KINDS))
    if document_ids is not None:
        query = query.where(Signature.document_id.in_(list(document_ids)))
    if version_ids is not None:
        query = query.where(Signature.version_id.in_(list(version_ids)))
    return {version_id: document_id for version_id, document_id in session.execute(query)}


def match_bytes(session: Session, *, store: DocumentStore, data: bytes, organisation_id: int) -> IssuedMatch | None:
    """The issued version of the ward ``organisation_id`` that ``data`` is or begins with (checked as a renewal
    when longer), or None when it begins with no issued version of that ward. Another ward's documents are
    never named (their numbers and dates are theirs). Reads only."""
    digests = _prefix_digests(data)
    versions = list(session.execute(_ward_versions(organisation_id).where(DocumentVersion.sha256.in_(list(digests))))
                    .scalars())
    issued = issued_version_ids(session, version_ids={v.renewal_base.id for v in versions})
    best: tuple[int, DocumentVersion, DocumentVersion] | None = None
    for version in versions:
        base = version.renewal_base
        if base.id in issued and (best is None or digests[version.sha256] > best[0]):
            best = (digests[version.sha256], version, base)
    if best is None:
        return None
    length, version, base = best
    return _match(store, base, stored=version if length == len(data) else None, data=data)


def _ward_versions(organisation_id: int) -> Select[DocumentVersion]:
    return select(DocumentVersion).join(Document, Document.id == DocumentVersion.document_id).where(
        Document.organisation_id == organisation_id)


def match_version(session: Session, *, store: DocumentStore, version: DocumentVersion) -> IssuedMatch | None:
    """The match of a stored version: the issued bytes, a renewal of them (checked again), or None."""
    base = version.renewal_base
    if base.id not in issued_version_ids(session, [version.document_id]):
        return None
    data: bytes | None = None
    if version.id != base.id:
        try:
            data = store.read(version.sha256)
        except BlobMissingError:
            pass
    return _match(store, base, stored=version, data=data)


def _match(store: DocumentStore, base: DocumentVersion, *, stored: DocumentVersion | None,
           data: bytes | None) -> IssuedMatch:
    document: Document = base.document
    times: tuple[datetime, ...] = ()
    problems: tuple[tuple[str, dict[str, str]], ...] = ()
    if stored is None or stored.id != base.id:
        check = _check(store, base, data)
        times, problems = check.timestamps, tuple((p.message, dict(p.params)) for p in check.problems)
    return IssuedMatch(document_id=document.id, number_symbol=document.number_symbol, issued_at=document.issued_at,
                       issued_version=base.number, stored_version=stored.number if stored is not None else None,
                       renewal_times=times, problems=problems)


def _check(store: DocumentStore, base: DocumentVersion, data: bytes | None) -> RenewalCheck:
    # pyHanko takes seconds to import: only a check of a renewal pays for it, not the CLI's start.
    from docflow.signing.renewal import RenewalCheck, RenewalProblem, check_renewal
    try:
        issued = store.read(base.sha256)
    except BlobMissingError:
        issued = None
    if issued is None or data is None:
        return RenewalCheck((RenewalProblem.of(N_("The file of version %(n)s is missing from storage."),
                                               n=base.number),))
    return check_renewal(issued, data)


def _prefix_digests(data: bytes) -> dict[str, int]:
    """SHA-256 -> length of every prefix of ``data`` that ends a revision (at %%EOF, with its line end), and
    of the whole: one pass of hashing, however many revisions."""
    ends: set[int] = set()
    at = data.find(_EOF)
    while at >= 0:
        end = at + len(_EOF)
        ends.update(e for e in (end, end + 1, end + 2) if e <= len(data))
        at = data.find(_EOF, end)
    ends.add(len(data))
    digests: dict[str, int] = {}
    running = hashlib.sha256()
    done = 0
    for end in sorted(ends):
        running.update(data[done:end])
        done = end
        digests[running.copy().hexdigest()] = end
    return digests


def answer_for_digest(session: Session, *, store: DocumentStore, actor_id: int, organisation_id: int,
                      sha256: str) -> IssuedMatch | None:
    """The issued-bytes answer for the file ``sha256``: from the ward's stored version with those bytes, else what
    the check found when ``actor_id`` uploaded them on the verify page (kept in that audit event). Reads only;
    the caller has already shown that the actor may read this file's report."""
    for version in session.execute(_ward_versions(organisation_id).where(DocumentVersion.sha256 == sha256)).scalars():
        found = match_version(session, store=store, version=version)
        if found is not None:
            return found
    details = session.execute(select(AuditEvent.details).where(
        AuditEvent.object_type == "file", AuditEvent.object_id == sha256, AuditEvent.actor_id == actor_id,
        AuditEvent.action == str(AuditAction.DOCUMENT_VERIFIED)).order_by(AuditEvent.seq.desc()).limit(1)).scalar()
    issued = details.get("issued") if isinstance(details, dict) else None
    return IssuedMatch.from_json(issued) if isinstance(issued, dict) else None
