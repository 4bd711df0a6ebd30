"""The files of an evidence pack that describe a document: its versions, the verification report (JSON and a
printable page), the signature chain checked against the records, the register entry; and the certificates
and CRLs a verifier needs besides the auditor's trust root."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.models import Document, DocumentVersion, Register, Signature
from docflow.services import keys
from docflow.services.attachments import evidence as attachment_evidence
from docflow.services.signatures import chain as chaincheck
from docflow.services.audit.checkpoints import ca_chain_pem, ca_crls
from docflow.services.audit.export import certificate_pem
from docflow.storage import DocumentStore


def document_files(session: Session, settings: Settings, store: DocumentStore, document: Document, *,
                   versions: Iterable[DocumentVersion] | None = None) -> dict[str, bytes]:
    """The files describing ``document``, with the PDFs of ``versions`` (default: every stored version)."""
    base = f"documents/{document.id}/"
    files = {f"{base}v{v.number}.pdf": store.read(v.sha256)
             for v in (document.versions if versions is None else versions)}
    check = chaincheck.build_check(session, settings=settings, store=store, document=document)
    report = dict(check.pdf_report) if check.pdf_report is not None else None
    public = {k: v for k, v in (report or {}).items() if k != "msgids"}
    files[f"{base}verification.json"] = _json(public)
    files[f"{base}verification.html"] = _printable(document, public, check).encode("utf-8")
    files[f"{base}signature-chain.json"] = _json(check.to_json() | {"pdf_report": None})
    files[f"{base}register-entry.json"] = _json(_register_entry(session, document))
    files.update(attachment_evidence.evidence_files(session, store, document, base))
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


def trust_files(session: Session, settings: Settings, documents: Sequence[Document]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    signatures = session.execute(select(Signature).where(Signature.document_id.in_([d.id for d in documents]))).scalars()
    for signature in signatures:
        files[f"certificates/signer-{signature.certificate.sha256[:16]}.pem"] = certificate_pem(
            signature.certificate.der)
    for i, chain_pem in enumerate([*keys.root_certificates_pem(settings), *ca_chain_pem(settings)]):
        files[f"certificates/ca-{i + 1}.pem"] = chain_pem
    for i, crl in enumerate(ca_crls(settings)):
        files[f"crls/ca-{i + 1}.crl"] = crl
    return files
