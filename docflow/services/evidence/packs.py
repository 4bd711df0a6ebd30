"""Building evidence packs (``docflow.auditlog.evidencepack`` describes the format and verifies it offline).

A pack covers one document, or a range of a register's entries. Building one is audited (EVIDENCE_EXPORTED,
carrying the manifest's SHA-256) and then anchored: a checkpoint signed right after covers that event, so
the pack proves itself from the auditor's trust root alone.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.auditlog import evidencepack
from docflow.config import Settings
from docflow.errors import N_, NotFoundError, PermissionDeniedError
from docflow.models import Document, Register, RegisterKind, User, utc_now
from docflow.services import audit
from docflow.services import documents as doc_service
from docflow.services.audit import AuditAction
from docflow.services.evidence.contents import document_files, trust_files
from docflow.services.evidence.segments import audit_segments
from docflow.services.people.organisation import get_organisation
from docflow.storage import DocumentStore

MAX_DOCUMENTS = 200
README = """\
GÓI CHỨNG CỨ DOCFLOW — {title}
Lập lúc {created_at} (UTC) bởi {actor}.

Gói gồm:
  documents/<mã>/v<N>.pdf          mọi phiên bản PDF đã lưu của văn bản, nguyên trạng
  documents/<mã>/verification.*    báo cáo kiểm tra chữ ký số (JSON và bản in HTML)
  documents/<mã>/signature-chain.json  chuỗi chữ ký đối chiếu với hồ sơ docflow (người được giao,
                                   ủy quyền tại thời điểm ký, số văn bản, mã băm các phiên bản)
  documents/<mã>/register-entry.json   dòng sổ đăng ký văn bản
  audit/events.jsonl               nhật ký kiểm toán: sự kiện của văn bản đầy đủ, các sự kiện xen giữa
                                   chỉ có mã băm, đến điểm kiểm tra (checkpoint) đã ký số bao phủ chúng
  certificates/, crls/             chứng thư số của người ký, chuỗi CA và danh sách thu hồi (CRL)
  manifest.json                    mã SHA-256 của mọi tệp khác; chính mã băm của manifest được ghi
                                   trong sự kiện "evidence.exported" của nhật ký

Cách kiểm tra (không cần cơ sở dữ liệu, chỉ cần cài docflow):
  docflow evidence verify GOI.zip --trust-root CA.pem
  (CA.pem: chứng thư gốc của UBND lấy từ nguồn tin cậy, KHÔNG lấy từ trong gói)
  Kết quả 0: hợp lệ; 1: có vấn đề (nêu rõ tệp); 2: không đọc được gói.

----------------------------------------------------------------------------------------------------
DOCFLOW EVIDENCE PACK — {title}
Made at {created_at} (UTC) by {actor}.

Inside:
  documents/<id>/v<N>.pdf          every stored PDF version of the document, as stored
  documents/<id>/verification.*    the signature verification report (JSON and printable HTML)
  documents/<id>/signature-chain.json  the signature chain checked against docflow's records (the
                                   assigned signer, the delegation at signing time, the number, the
                                   SHA-256 of every version)
  documents/<id>/register-entry.json   the register entry
  audit/events.jsonl               the audit log: the document's events in full, digests of the events
                                   in between, up to the signed checkpoint that covers them
  certificates/, crls/             the signers' certificates, the CA chain and its CRLs
  manifest.json                    the SHA-256 of every other file; the manifest's own SHA-256 is in
                                   the log's "evidence.exported" event

To verify (no database needed, only docflow installed):
  docflow evidence verify PACK.zip --trust-root CA.pem
  (CA.pem: the ward's root certificate from a trusted source, NOT from inside the pack)
  Exit 0: valid; 1: a problem (the file is named); 2: the pack cannot be read.
"""


@dataclass(frozen=True)
class Pack:
    data: bytes
    filename: str
    manifest_sha256: str
    documents: int


def can_build(user: User | None) -> bool:
    """Auditors and administrators build packs; ``user`` None is the command line."""
    return user is None or policy.may_read_audit_log(user)


def build_document_pack(session: Session, *, settings: Settings, store: DocumentStore, actor: User | None,
                        document_id: int, now: datetime | None = None) -> Pack:
    """The pack of one document (``actor`` None: the command line). Raises PermissionDeniedError,
    NotFoundError, ConfigurationError (no system key to sign the checkpoint). Flushes."""
    if not can_build(actor):
        raise PermissionDeniedError(N_("Only auditors and administrators export evidence packs."))
    document = (doc_service.get_document_for(session, actor=actor, document_id=document_id) if actor is not None
                else doc_service.get_document(session, document_id))
    return _build(session, settings, store, actor, [document], title=document.number_symbol or f"#{document.id}",
                  anchor=("document", str(document.id)), filename=f"evidence-document-{document.id}.zip", now=now)


def build_register_pack(session: Session, *, settings: Settings, store: DocumentStore, actor: User | None,
                        kind: RegisterKind, year: int, first: int, last: int, now: datetime | None = None) -> Pack:
    """The pack of a register's entries ``first``..``last`` of ``year``. Raises as build_document_pack."""
    if not can_build(actor):
        raise PermissionDeniedError(N_("Only auditors and administrators export evidence packs."))
    # the ward's own register: every ward numbers its registers from 1 each year (issue 16)
    ward_id = actor.organisation_id if actor is not None else get_organisation(session).id
    register = session.execute(select(Register).where(Register.organisation_id == ward_id, Register.kind == kind,
                                                      Register.year == year)).scalars().first()
    if register is None or last < first or last - first >= MAX_DOCUMENTS:
        raise NotFoundError(N_("There is no such register range."))
    documents = list(session.execute(select(Document).where(
        Document.register_id == register.id, Document.register_number >= first, Document.register_number <= last)
        .order_by(Document.register_number)).scalars())
    if actor is not None:
        documents = [d for d in documents if policy.can_view(actor, d)]
    if not documents:
        raise NotFoundError(N_("There is no such register range."))
    return _build(session, settings, store, actor, documents, title=f"{register.code} {year} {first}–{last}",
                  anchor=("register", str(register.id)),
                  filename=f"evidence-{register.code}-{year}-{first}-{last}.zip", now=now)


def _build(session: Session, settings: Settings, store: DocumentStore, actor: User | None,
           documents: Sequence[Document], *, title: str, anchor: tuple[str, str], filename: str,
           now: datetime | None) -> Pack:
    now = now or utc_now()
    files: dict[str, bytes] = {}
    for document in documents:
        files.update(document_files(session, settings, store, document))
    files.update(trust_files(session, settings, documents))
    files["README.txt"] = README.format(title=title, created_at=now.strftime("%Y-%m-%d %H:%M"),
                                        actor=actor.username if actor else "system").encode("utf-8")
    manifest = evidencepack.manifest_bytes(files=files, meta={"title": title, "created_at": now.isoformat(),
                                                              "documents": [d.id for d in documents]})
    manifest_sha256 = evidencepack.sha256_hex(manifest)
    export = audit.record(session, action=AuditAction.EVIDENCE_EXPORTED, actor=actor, object_type=anchor[0],
                          object_id=anchor[1], now=now,
                          details={"manifest_sha256": manifest_sha256, "documents": [d.id for d in documents],
                                   "files": len(files)})
    events = audit_segments(session, [d.id for d in documents], export, now)
    out = io.BytesIO()
    evidencepack.write_pack(out, files=files, manifest=manifest, events=events)
    return Pack(data=out.getvalue(), filename=filename, manifest_sha256=manifest_sha256, documents=len(documents))
