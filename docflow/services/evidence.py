"""Building evidence packs (``docflow.evidencepack`` describes the format and verifies it offline).

A pack covers one document, or a range of a register's entries. Building one is audited (EVIDENCE_EXPORTED,
carrying the manifest's SHA-256) and then anchored: a checkpoint signed right after covers that event, so
the pack proves itself from the auditor's trust root alone.
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import evidencepack
from docflow.config import Settings
from docflow.errors import N_, ConfigurationError, NotFoundError, PermissionDeniedError
from docflow.models import AuditEvent, Document, Register, RegisterKind, Role, Signature, User, utc_now
from docflow.services import access, audit, keys
from docflow.services.signatures import chain as chaincheck
from docflow.services import documents as doc_service
from docflow.services import signatures as signing_service
from docflow.services.audit import AuditAction
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
    return user is None or (user.is_active and user.role in (Role.AUDITOR, Role.ADMIN))


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
    register = session.execute(select(Register).where(Register.kind == kind, Register.year == year)).scalars().first()
    if register is None or last < first or last - first >= MAX_DOCUMENTS:
        raise NotFoundError(N_("There is no such register range."))
    documents = list(session.execute(select(Document).where(
        Document.register_id == register.id, Document.register_number >= first, Document.register_number <= last)
        .order_by(Document.register_number)).scalars())
    if actor is not None:
        documents = [d for d in documents if access.can_view(actor, d)]
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
        files.update(_document_files(session, settings, store, document))
    files.update(_trust_files(session, settings, documents))
    files["README.txt"] = README.format(title=title, created_at=now.strftime("%Y-%m-%d %H:%M"),
                                        actor=actor.username if actor else "system").encode("utf-8")
    manifest = evidencepack.manifest_bytes(files=files, meta={"title": title, "created_at": now.isoformat(),
                                                              "documents": [d.id for d in documents]})
    manifest_sha256 = evidencepack.sha256_hex(manifest)
    export = audit.record(session, action=AuditAction.EVIDENCE_EXPORTED, actor=actor, object_type=anchor[0],
                          object_id=anchor[1], now=now,
                          details={"manifest_sha256": manifest_sha256, "documents": [d.id for d in documents],
                                   "files": len(files)})
    events = _audit_segments(session, [d.id for d in documents], export, now)
    out = io.BytesIO()
    evidencepack.write_pack(out, files=files, manifest=manifest, events=events)
    return Pack(data=out.getvalue(), filename=filename, manifest_sha256=manifest_sha256, documents=len(documents))


def _document_files(session: Session, settings: Settings, store: DocumentStore, document: Document) -> dict[str, bytes]:
    base = f"documents/{document.id}/"
    files = {f"{base}v{v.number}.pdf": store.read(v.sha256) for v in document.versions}
    check = chaincheck.build_check(session, settings=settings, store=store, document=document)
    report = dict(check.pdf_report) if check.pdf_report is not None else None
    public = {k: v for k, v in (report or {}).items() if k != "msgids"}
    files[f"{base}verification.json"] = _json(public)
    files[f"{base}verification.html"] = _printable(document, public, check).encode("utf-8")
    files[f"{base}signature-chain.json"] = _json(check.to_json() | {"pdf_report": None})
    files[f"{base}register-entry.json"] = _json(_register_entry(session, document))
    return files


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode("utf-8")


def _register_entry(session: Session, document: Document) -> dict[str, Any]:
    register = session.get(Register, document.register_id) if document.register_id else None
    return {"document_id": document.id, "kind": document.kind.value, "doc_type": document.doc_type,
            "number_symbol": document.number_symbol, "document_date": document.document_date,
            "summary": document.summary, "issuing_body": document.issuing_body, "status": document.status.value,
            "issued_at": document.issued_at, "received_at": document.received_at,
            "signer": document.signer.full_name if document.signer else None,
            "register": ({"code": register.code, "name": register.name, "kind": register.kind.value,
                          "year": register.year, "number": document.register_number} if register else None)}


def _printable(document: Document, report: dict[str, Any], check: chaincheck.ChainCheck) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(str(s.get('field')))}</td><td>{e(str(s.get('signer')))}</td><td>{e(str(s.get('signing_time')))}</td>"
        f"<td>{'✔' if s.get('intact') else '✘'}</td><td>{'✔' if s.get('trusted') else '✘'}</td>"
        f"<td>{e('; '.join(p['message'] for p in s.get('problems', [])))}</td></tr>"
        for s in report.get("signatures", []))
    steps = "".join(
        f"<li><b>{e(s.title.text('vi'))}</b> / {e(s.title.text('en'))} — {e(s.who)} "
        f"{e(s.at.isoformat() if s.at else '')}: <b>{'ĐẠT / OK' if s.ok else 'CÓ VẤN ĐỀ / PROBLEM'}</b>"
        + "".join(f"<br>⚠ {e(p.text('vi'))} / {e(p.text('en'))}" for p in s.problems) + "</li>"
        for s in check.steps)
    verdict = "HỢP LỆ / VALID" if report.get("valid") else "KHÔNG HỢP LỆ / NOT VALID"
    return (f"<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>{e(document.number_symbol or '')}</title>"
            f"<body><h1>{e(document.number_symbol or '')} — {e(document.summary)}</h1>"
            f"<p>SHA-256: {e(str(report.get('sha256', '')))}</p><h2>Chữ ký số / Signatures: {verdict}</h2>"
            "<table border=1 cellpadding=4><tr><th>Trường / Field</th><th>Người ký / Signer</th><th>Thời điểm / Time</th>"
            f"<th>Toàn vẹn / Intact</th><th>Tin cậy / Trusted</th><th>Vấn đề / Problems</th></tr>{rows}</table>"
            f"<h2>Chuỗi ký đối chiếu hồ sơ / Chain against the records</h2><ol>{steps}</ol></body></html>")


def _trust_files(session: Session, settings: Settings, documents: Sequence[Document]) -> dict[str, bytes]:
    from docflow.services import audit_checkpoints
    from docflow.services.audit_export import certificate_pem
    files: dict[str, bytes] = {}
    signatures = session.execute(select(Signature).where(Signature.document_id.in_([d.id for d in documents]))).scalars()
    for signature in signatures:
        files[f"certificates/signer-{signature.certificate.sha256[:16]}.pem"] = certificate_pem(
            signature.certificate.der)
    for i, chain_pem in enumerate([*keys.root_certificates_pem(settings), *audit_checkpoints.ca_chain_pem(settings)]):
        files[f"certificates/ca-{i + 1}.pem"] = chain_pem
    for i, crl in enumerate(audit_checkpoints.ca_crls(settings)):
        files[f"crls/ca-{i + 1}.crl"] = crl
    return files


def _audit_segments(session: Session, document_ids: Sequence[int], export: AuditEvent, now: datetime) -> str:
    """The documents' events in full, digests in between, each run up to the first checkpoint after it; a
    checkpoint is signed now so that the export event itself is covered."""
    from docflow.auditlog.chain import row_digest
    from docflow.auditlog.export import checkpoint_line, event_line
    from docflow.services import audit_checkpoints
    checkpointer = audit_checkpoints.checkpointer_of(session)
    if checkpointer is None or audit_checkpoints.create_checkpoint(session, checkpointer=checkpointer, now=now) is None:
        raise ConfigurationError("there is no system key to sign the checkpoint an evidence pack needs")
    full = set(session.execute(select(AuditEvent.seq).where(
        AuditEvent.object_type == "document", AuditEvent.object_id.in_([str(i) for i in document_ids]))).scalars())
    full.add(export.seq)
    checkpoints = audit.load_checkpoints(session, min(full), None)
    lines: list[str] = []
    for first, checkpoint in _groups(sorted(full), checkpoints):
        lines.append(evidencepack.segment_line(first, checkpoint.seq))
        for batch in audit.iter_row_batches(session, first, checkpoint.seq):
            for row in batch:
                if row[0] == checkpoint.seq:
                    lines.append(checkpoint_line(checkpoint))
                lines.append(event_line(row) if row[0] in full
                             else evidencepack.digest_line(row[0], row_digest(row), row[8], row[9]))
    return "".join(lines)


def _groups(seqs: Sequence[int], checkpoints: Sequence[Any]) -> Iterator[tuple[int, Any]]:
    """(first seq of a run, the checkpoint covering it): every seq up to a checkpoint joins that run."""
    index = 0
    first: int | None = None
    for seq in seqs:
        while index < len(checkpoints) and checkpoints[index].seq < seq:
            if first is not None:
                yield first, checkpoints[index]
                first = None
            index += 1
        first = seq if first is None else first
    if first is not None and index < len(checkpoints):
        yield first, checkpoints[index]
