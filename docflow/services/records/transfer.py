"""The transfer of a closed year's files (hồ sơ) to the archive as one package, verifiable offline (Decree 30,
Art. 28 and Annex VI; issue 14 §2; R57). ``docflow.auditlog.transferpack`` describes the package and verifies it.

Which files: the closed files of the ward's file plan of the year. A file still open refuses the year, naming
it, unless the clerk leaves the open files out on purpose (``only_closed``: the README and the manifest say
which); files never opened and files destroyed by decision are never in a package and are listed as left out.

The parts of an evidence pack are reused: each document's PDFs as stored, its verification report and chain
check, the certificates and CRLs, and the audit segments up to a signed checkpoint. Building a package is
audited (RECORDS_TRANSFERRED, with the manifest's SHA-256) and recorded (``RecordTransfer``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.auditlog import evidencepack, transferpack
from docflow.auditlog.checkpoints import sign_detached
from docflow.config import Settings
from docflow.errors import (
    N_,
    ConfigurationError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from docflow.models import (
    Document,
    DocumentVersion,
    FilePlan,
    FileStatus,
    RecordFile,
    RecordTransfer,
    User,
    utc_now,
)
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.audit.checkpoints import checkpointer_of
from docflow.services.evidence.contents import document_files, trust_files
from docflow.services.evidence.segments import audit_segments
from docflow.services.people import organisation
from docflow.services.records.common import check_year, find_plan
from docflow.services.records.contents import file_rows
from docflow.services.records.metadata import Ward, document_metadata, record_metadata
from docflow.services.records.transfer_readme import readme
from docflow.services.renewal.issued import issued_version_ids
from docflow.storage import DocumentStore

LEFT_OUT_REASONS = {FileStatus.OPEN: "open", FileStatus.PLANNED: "never_opened", FileStatus.DESTROYED: "destroyed"}


@dataclass(frozen=True)
class TransferPackage:
    data: bytes
    filename: str
    manifest_sha256: str
    files: int
    documents: int
    left_out: tuple[tuple[str, str], ...]       # (file code, reason: open / never_opened / destroyed)


def require_transferrer(actor: User) -> None:
    if not policy.may_transfer_records(actor):
        raise PermissionDeniedError(N_("Only the clerk or the administrator transfers the ward's files to the "
                                       "archive."))


def list_transfers(session: Session, *, actor: User) -> list[RecordTransfer]:
    """The ward's past transfers, newest first. Raises PermissionDeniedError. Reads only."""
    require_transferrer(actor)
    return list(session.execute(select(RecordTransfer).where(RecordTransfer.organisation_id == actor.organisation_id)
                                .order_by(RecordTransfer.created_at.desc(), RecordTransfer.id.desc())).scalars())


def build_transfer(session: Session, *, settings: Settings, store: DocumentStore, actor: User, year: int,
                   only_closed: bool = False, now: datetime | None = None) -> TransferPackage:
    """The archive transfer package of the ward's closed files of ``year``. Raises PermissionDeniedError,
    NotFoundError (no plan), InvalidTransitionError (open files, nothing to transfer), ValidationError (the
    organ identifier is not set, or the metadata does not follow R57), ConfigurationError (no system key).
    Flushes."""
    require_transferrer(actor)
    check_year(year)
    now = now or utc_now()
    ward = _ward(settings, actor)
    plan, included, left_out = _selection(session, actor=actor, year=year, only_closed=only_closed)
    metadata, documents = _metadata(session, ward, included)
    files = _package_files(session, settings, store, documents)
    files[transferpack.METADATA] = _checked_xml(year, metadata)
    files[transferpack.SCHEMA] = transferpack.shipped_schema()
    codes = [r.code for r in included]
    files["README.txt"] = readme(year=year, organisation=ward.name, organ_id=ward.organ_id, now=now,
                                 actor=actor.username, included=codes, documents=len(documents), left_out=left_out)
    left = [{"code": c, "reason": why} for c, why in left_out]
    manifest = evidencepack.manifest_bytes(files=files, meta={
        "format": transferpack.FORMAT, "title": f"{ward.name} {year}", "year": year, "organ_id": ward.organ_id,
        "created_at": now.isoformat(), "files_included": codes, "left_out": left,
        "documents": [d.id for d in documents]})
    manifest_sha256 = evidencepack.sha256_hex(manifest)
    files[transferpack.SIGNATURE] = _sign(session, manifest, actor.organisation_id)
    event = audit.record(session, action=AuditAction.RECORDS_TRANSFERRED, actor=actor, object_type="file_plan",
                         object_id=plan.id, now=now,
                         details={"code": f"{year}", "year": year, "manifest_sha256": manifest_sha256,
                                  "files": len(included), "documents": len(documents),
                                  "left_out": [c for c, _ in left_out]})
    session.add(RecordTransfer(organisation_id=actor.organisation_id, year=year, manifest_sha256=manifest_sha256,
                               created_by_id=actor.id, created_at=now, files=len(included),
                               documents=len(documents), included=codes, left_out=left))
    out = io.BytesIO()
    evidencepack.write_pack(out, files=files, manifest=manifest, events=audit_segments(
        session, [d.id for d in documents], event, now, record_file_ids=[r.id for r in included]))
    return TransferPackage(data=out.getvalue(), filename=f"archive-transfer-{year}.zip",
                           manifest_sha256=manifest_sha256, files=len(included), documents=len(documents),
                           left_out=left_out)


def _ward(settings: Settings, actor: User) -> Ward:
    """Whom the metadata speaks for. Raises ValidationError when the ward's organ identifier is not set."""
    organ_id = organisation.organ_id_of(actor.organisation, settings)
    if not organ_id:
        raise ValidationError(N_("The ward's organ identifier is not set (docflow init --organ-id, or app.organ_id "
                                 "in the configuration): every file code of the archive needs it."))
    return Ward(organ_id=organ_id, name=actor.organisation.name, tz=settings.app.zone)


def _selection(session: Session, *, actor: User, year: int, only_closed: bool
               ) -> tuple[FilePlan, list[RecordFile], tuple[tuple[str, str], ...]]:
    """The plan, its closed files, and (code, reason) of every other file. Raises NotFoundError (no plan),
    InvalidTransitionError (a file still open, unless ``only_closed``; nothing closed)."""
    plan = find_plan(session, organisation_id=actor.organisation_id, year=year)
    if plan is None:
        raise NotFoundError(N_("There is no file plan for %(year)s."), year=year)
    records = list(session.execute(select(RecordFile).where(
        RecordFile.plan_id == plan.id, RecordFile.organisation_id == actor.organisation_id)
        .order_by(RecordFile.code)).scalars())
    still_open = [r.code for r in records if r.status is FileStatus.OPEN]
    if still_open and not only_closed:
        raise InvalidTransitionError(N_("These files of %(year)s are still open: %(codes)s. Close them first, or "
                                        "leave them out on purpose (--only-closed)."),
                                     year=year, codes=", ".join(still_open))
    included = [r for r in records if r.status is FileStatus.CLOSED]
    if not included:
        raise InvalidTransitionError(N_("No closed file of %(year)s to transfer."), year=year)
    return plan, included, tuple((r.code, LEFT_OUT_REASONS[r.status]) for r in records
                                 if r.status is not FileStatus.CLOSED)


def _checked_xml(year: int, metadata: Sequence[tuple[dict[str, Any], list[tuple[int, str, dict[str, Any]]]]]
                 ) -> bytes:
    """metadata.xml, valid under docflow's R57 schema. Raises ValidationError naming what is wrong."""
    try:
        xml = transferpack.metadata_xml(year=year, files=metadata)
        transferpack.check_metadata(xml)
    except transferpack.MetadataInvalid as exc:
        raise ValidationError(N_("The metadata does not follow the R57 schema: %(problems)s"),
                              problems="; ".join(exc.problems[:5])) from None
    return xml


def _metadata(session: Session, ward: Ward, included: Sequence[RecordFile]
              ) -> tuple[list[tuple[dict[str, Any], list[tuple[int, str, dict[str, Any]]]]], list[Document]]:
    """Each file's R57 metadata with its documents' (a document referenced from two files is in both), and
    the documents once each. Another ward's document cannot be in the ward's file; it is never packed."""
    out: list[tuple[dict[str, Any], list[tuple[int, str, dict[str, Any]]]]] = []
    documents: dict[int, Document] = {}
    for record in included:
        rows = [r for r in file_rows(session, actor=None, record=record, tz=ward.tz, organisation=ward.name)
                if r.entry.document.organisation_id == record.organisation_id]
        entries = [(r.entry.document.id, r.entry.document.kind.value,
                    document_metadata(session, r.entry.document, ward=ward, record=record, ordinal=r.ordinal))
                   for r in rows]
        documents.update((r.entry.document.id, r.entry.document) for r in rows)
        out.append((record_metadata(session, record, ward=ward), entries))
    return out, sorted(documents.values(), key=lambda d: d.id)


def kept_versions(session: Session, document: Document) -> list[DocumentVersion]:
    """The versions a package holds: the issued version (the ward's seal made it) or, for a document the ward
    did not issue (received, internal), its latest version before any renewal; and its latest renewal."""
    issued = set(issued_version_ids(session, [document.id]))
    versions = sorted(document.versions, key=lambda v: v.number)
    own = [v for v in versions if not v.is_renewal]
    base = next((v for v in reversed(own) if v.id in issued), own[-1] if own else None)
    if base is None:
        return []
    renewals = [v for v in versions if v.is_renewal and v.renewal_base.id == base.id]
    return [base, *renewals[-1:]]


def _package_files(session: Session, settings: Settings, store: DocumentStore,
                   documents: Sequence[Document]) -> dict[str, bytes]:
    """The evidence pack's files of each document, with the PDFs of its kept versions only, as stored."""
    files: dict[str, bytes] = {}
    for document in documents:
        files.update(document_files(session, settings, store, document, versions=kept_versions(session, document)))
    files.update(trust_files(session, settings, documents))
    return files


def _sign(session: Session, manifest: bytes, ward: int) -> bytes:
    """The ward's detached CMS signature of the manifest with the system key that signs its audit checkpoints."""
    checkpointer = checkpointer_of(session)
    key = checkpointer.signing_key(session, ward) if checkpointer is not None else None
    if key is None:
        raise ConfigurationError("there is no system key to sign the transfer package: run "
                                 "`docflow keys issue --system`")
    return sign_detached(key, manifest)


__all__ = ["TransferPackage", "build_transfer", "kept_versions", "list_transfers", "require_transferrer"]
