"""The attachments in an auditor's evidence pack: each file as stored and as signed, and docflow's record of
the signature on it (the issue step, the certificate, the SHA-256 before and after, re-hashed here)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from docflow.models import Certificate, Document
from docflow.services.attachments.files import attachments_of, labelled
from docflow.storage import DocumentStore


def evidence_files(session: Session, store: DocumentStore, document: Document, base: str) -> dict[str, bytes]:
    """``attachments/<n>-<kind>.pdf`` (and ``-signed.pdf``) under ``base``, with ``attachments.json``; nothing
    for a document without attachments. Reads only."""
    files: dict[str, bytes] = {}
    records: list[dict[str, Any]] = []
    for item in labelled(attachments_of(session, document)):
        row = item.attachment
        stem = f"{base}attachments/{row.kind.value}-{row.ordinal}"
        files[f"{stem}.pdf"] = original = store.read(row.sha256)
        signed = store.read(row.signed_sha256) if row.signed_sha256 else None
        if signed is not None:
            files[f"{stem}-signed.pdf"] = signed
        certificate = session.get(Certificate, row.certificate_id) if row.certificate_id else None
        records.append({
            "label": item.label, "kind": row.kind.value, "ordinal": row.ordinal, "title": row.title,
            "sha256": row.sha256, "stored_matches": hashlib.sha256(original).hexdigest() == row.sha256,
            "signed_sha256": row.signed_sha256,
            "signed_matches": None if signed is None else hashlib.sha256(signed).hexdigest() == row.signed_sha256,
            "signed_at": row.signed_at, "step_id": row.step_id, "level": row.level,
            "certificate_serial": certificate.serial if certificate else None,
            "certificate_sha256": certificate.sha256 if certificate else None})
    if records:
        files[f"{base}attachments.json"] = json.dumps(records, ensure_ascii=False, indent=2, sort_keys=True,
                                                      default=str).encode("utf-8")
    return files
