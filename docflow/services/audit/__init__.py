"""The audit log in the database: recording events into the hash chain, verifying it, searching it.

Modules:

- ``actions``: ``AuditAction``, every kind of event.
- ``log``: ``record`` (append an event to its ward's chain in the caller's transaction), ``verify_chain`` (a
  ward's chain), ``events_for``; ``chain_ward`` says which ward's chain the work in hand reads.
- ``parallel``: the chain verified by several processes when it is long.
- ``search``: the auditor's search of the log and list of checkpoints.
- ``checkpoints``: signed checkpoints (``Checkpointer``, ``create_checkpoint``, ``trust_for``).
- ``export``: the log as JSON Lines (``export_log``).

``checkpoints`` and ``export`` are imported by their module path (``from docflow.services.audit.checkpoints
import trust_for``), not from here: they need the keys service, which records events through this package,
and importing them here would make the two packages import each other.
The pure side (formats, the chain, checkpoint signatures) is ``docflow.auditlog``.
"""

from docflow.auditlog.chain import GENESIS_HASH, ChainProblem, ChainReport, ProblemKind, canonical_bytes, chain_hash
from docflow.services.audit.actions import AuditAction
from docflow.services.audit.log import (
    CHECKPOINTER,
    as_checkpoint,
    chain_ward,
    event_content,
    event_hash,
    events_for,
    iter_row_batches,
    load_checkpoints,
    lock_chain,
    read_head,
    record,
    verify_chain,
    ward_to_write,
)
from docflow.services.audit.search import (
    AuditPage,
    AuditQuery,
    CheckpointRow,
    known_actions,
    list_checkpoints,
    search_events,
)

__all__ = [
    "CHECKPOINTER",
    "GENESIS_HASH",
    "AuditAction",
    "AuditPage",
    "AuditQuery",
    "ChainProblem",
    "ChainReport",
    "CheckpointRow",
    "ProblemKind",
    "as_checkpoint",
    "chain_ward",
    "canonical_bytes",
    "chain_hash",
    "event_content",
    "event_hash",
    "events_for",
    "iter_row_batches",
    "known_actions",
    "list_checkpoints",
    "load_checkpoints",
    "lock_chain",
    "read_head",
    "record",
    "search_events",
    "verify_chain",
    "ward_to_write",
]
