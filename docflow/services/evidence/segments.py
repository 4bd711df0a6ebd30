"""The audit part of an evidence pack: the documents' events in full and the others as digests, each run
of them up to the signed checkpoint that covers it, so the pack's events verify without the database."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.auditlog import evidencepack
from docflow.auditlog.chain import row_digest
from docflow.auditlog.checkpoints import Checkpoint
from docflow.auditlog.export import checkpoint_line, event_line
from docflow.errors import ConfigurationError
from docflow.models import AuditEvent
from docflow.services import audit
from docflow.services.audit.checkpoints import checkpointer_of, create_checkpoint


def audit_segments(session: Session, document_ids: Sequence[int], export: AuditEvent, now: datetime, *,
                   record_file_ids: Sequence[int] = ()) -> str:
    """The documents' (and the files' of ``record_file_ids``) events in full, digests in between, each run up
    to the first checkpoint after it; a checkpoint is signed now so that the export event itself is covered.
    All from the chain of the ward the ``export`` event went into (the ward the pack is made for)."""
    ward = export.organisation_id
    checkpointer = checkpointer_of(session)
    if checkpointer is None or create_checkpoint(session, checkpointer=checkpointer, now=now,
                                                 organisation_id=ward) is None:
        raise ConfigurationError("there is no system key to sign the checkpoint an evidence pack needs")
    full = set(session.execute(select(AuditEvent.seq).where(
        AuditEvent.organisation_id == ward, AuditEvent.object_type == "document",
        AuditEvent.object_id.in_([str(i) for i in document_ids]))).scalars())
    if record_file_ids:
        full.update(session.execute(select(AuditEvent.seq).where(
            AuditEvent.organisation_id == ward, AuditEvent.object_type == "record_file",
            AuditEvent.object_id.in_([str(i) for i in record_file_ids]))).scalars())
    full.add(export.seq)
    checkpoints = audit.load_checkpoints(session, ward, min(full), None)
    lines: list[str] = []
    for first, checkpoint in _groups(sorted(full), checkpoints):
        lines.append(evidencepack.segment_line(first, checkpoint.seq))
        for batch in audit.iter_row_batches(session, ward, first, checkpoint.seq):
            for row in batch:
                if row[0] == checkpoint.seq:
                    lines.append(checkpoint_line(checkpoint))
                lines.append(event_line(row) if row[0] in full
                             else evidencepack.digest_line(row[0], row_digest(row), row[-2], row[-1]))
    return "".join(lines)


def _groups(seqs: Sequence[int], checkpoints: Sequence[Checkpoint]) -> Iterator[tuple[int, Checkpoint]]:
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
