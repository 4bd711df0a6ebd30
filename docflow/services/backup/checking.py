"""What a restore proves before it says "restored": the audit chain verifies up to the head the backup
recorded, and every stored version's file is there with its SHA-256."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.models import AuditHead, DocumentVersion, Organisation
from docflow.services import audit
from docflow.services.audit.checkpoints import trust_for
from docflow.storage import DocumentStore


@dataclass(frozen=True)
class RestoreCheck:
    chain: audit.ChainReport
    head_matches: bool
    versions: int
    bad_versions: tuple[str, ...]   # SHA-256 of versions whose file is missing or differs (the first ten)

    @property
    def ok(self) -> bool:
        return self.chain.intact and self.head_matches and not self.bad_versions


def check_restored(session: Session, *, settings: Settings, store: DocumentStore,
                   header: dict[str, Any]) -> RestoreCheck:
    """Verify the restored instance against the backup's manifest ``header``. Reads only."""
    # Every ward's chain is verified; the report is the first broken one's, else the first ward's.
    reports = [audit.verify_chain(session, trust=trust_for(settings), organisation_id=ward_id)
               for ward_id in session.execute(select(Organisation.id).order_by(Organisation.id)).scalars()]
    chain = next((r for r in reports if not r.intact), reports[0] if reports else audit.ChainReport(0, None, None))
    head = session.execute(select(AuditHead).order_by(AuditHead.organisation_id).limit(1)).scalar_one_or_none()
    expected = header["audit_head"]
    versions, bad = 0, list[str]()
    rows = session.execute(select(DocumentVersion.sha256).order_by(DocumentVersion.id)
                           .execution_options(yield_per=5000)).scalars()
    for sha256 in rows:
        versions += 1
        if len(bad) < 10 and store.actual_sha256(sha256) != sha256:
            bad.append(sha256)
    seen = (head.seq, head.hash) if head is not None else (0, audit.GENESIS_HASH)
    return RestoreCheck(chain=chain, head_matches=seen == (expected["seq"], expected["hash"]),
                        versions=versions, bad_versions=tuple(bad))


def record_restore(session: Session, *, header: dict[str, Any], manifest_sha256: str, check: RestoreCheck) -> None:
    """The restored instance's first event: from which backup it came and what was checked. Flushes."""
    audit.record(session, action=audit.AuditAction.BACKUP_RESTORED, actor=None, object_type="backup",
                 details={"manifest_sha256": manifest_sha256, "made_at": header["made_at"],
                          "audit_seq": header["audit_head"]["seq"], "versions_checked": check.versions,
                          "intact": check.ok})
