"""Export the audit log as JSON Lines (format: ``docflow.auditlog.export``), streaming.

Events come through the driver's cursor in batches and checkpoints in keyset pages, and each line is
written as it is made, so exporting a million events takes the memory of one batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from asn1crypto import pem
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.auditlog import export as fmt
from docflow.auditlog.chain import GENESIS_HASH
from docflow.auditlog.checkpoints import Checkpoint
from docflow.config import Settings
from docflow.errors import N_, NotFoundError
from docflow.models import AuditCheckpoint, AuditEvent, Organisation, utc_now
from docflow.services.audit.checkpoints import ca_chain_pem, ca_crls
from docflow.services.audit.log import as_checkpoint, chain_ward, iter_row_batches, read_head


@dataclass(frozen=True)
class ExportSummary:
    events: int
    checkpoints: int
    first_seq: int
    last_seq: int | None


def export_log(session: Session, out: IO[str], *, settings: Settings, from_seq: int | None = None,
               to_seq: int | None = None, now: datetime | None = None,
               organisation_id: int | None = None) -> ExportSummary:
    """Write a ward's events ``from_seq``..``to_seq`` (default: all up to the head) with their checkpoints to
    ``out`` (``organisation_id``, else the ward the work in hand acts for). Read-only; the caller records the
    export in the log."""
    ward = session.get(Organisation, chain_ward(session, organisation_id))
    if ward is None:
        raise NotFoundError(N_("This ward does not exist."))
    start = from_seq or 1
    head = read_head(session, ward.id)
    head_seq = head.seq if head is not None else 0
    end = head_seq if to_seq is None else min(to_seq, head_seq)
    anchor = GENESIS_HASH if start == 1 else session.execute(
        select(AuditEvent.hash).where(AuditEvent.organisation_id == ward.id,
                                      AuditEvent.seq == start - 1)).scalar() or ""
    signers = session.execute(select(AuditCheckpoint.certificate).distinct()
                              .where(AuditCheckpoint.organisation_id == ward.id, AuditCheckpoint.seq >= start,
                                     AuditCheckpoint.seq <= end)).scalars()
    out.write(fmt.header_line(
        organisation=ward.name, ward={"id": ward.id, "code": ward.code},
        exported_at=now or utc_now(), from_seq=start, to_seq=to_seq, start_prev_hash=anchor,
        certificates_pem=[*(certificate_pem(bytes(der)) for der in signers), *ca_chain_pem(settings)],
        crls_der=ca_crls(settings)))
    checkpoints = _checkpoints(session, ward.id, start, end)
    pending = next(checkpoints, None)
    events = written_cps = 0
    last: tuple[int, str] | None = None
    for rows in iter_row_batches(session, ward.id, start, end):
        for row in rows:
            while pending is not None and pending.seq <= row[0]:
                out.write(fmt.checkpoint_line(pending))
                written_cps += 1
                pending = next(checkpoints, None)
            out.write(fmt.event_line(row))
        events += len(rows)
        last = (rows[-1][0], rows[-1][-1])
    out.write(fmt.end_line(events=events, checkpoints=written_cps, last_seq=last[0] if last else None,
                           last_hash=last[1] if last else None))
    return ExportSummary(events, written_cps, start, last[0] if last else None)


def _checkpoints(session: Session, ward: int, start: int, end: int, page: int = 200) -> Iterator[Checkpoint]:
    after = start - 1
    while True:
        rows = list(session.execute(select(AuditCheckpoint).where(AuditCheckpoint.organisation_id == ward,
                                                                  AuditCheckpoint.seq > after,
                                                                  AuditCheckpoint.seq <= end)
                                    .order_by(AuditCheckpoint.seq).limit(page)).scalars())
        if not rows:
            return
        for row in rows:
            yield as_checkpoint(row)
            session.expunge(row)
        after = rows[-1].seq


def certificate_pem(der: bytes) -> bytes:
    """A DER certificate as PEM (what export headers and evidence packs carry)."""
    return pem.armor("CERTIFICATE", der)
