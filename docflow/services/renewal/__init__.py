"""Long-term validity (issue 14 §2): the B-LTA renewal of the ward's issued versions (run), the runs' reports
(queries), and which bytes are the issued bytes or a renewal of them (issued), for the chain check and the
public "are these the issued bytes?" check."""

from docflow.services.renewal.issued import (
    IssuedMatch,
    answer_for_digest,
    issued_version_ids,
    match_bytes,
    match_version,
)
from docflow.services.renewal.queries import get_run, recent_runs
from docflow.services.renewal.run import (
    DUE,
    FAILED,
    NOT_DUE,
    RENEWAL_JOB,
    RENEWED,
    Candidate,
    add_renewal,
    due_candidates,
    renew_issued,
    start_renewal,
)

__all__ = [
    "DUE", "FAILED", "NOT_DUE", "RENEWAL_JOB", "RENEWED", "Candidate", "IssuedMatch", "add_renewal",
    "answer_for_digest", "due_candidates", "get_run", "issued_version_ids", "match_bytes", "match_version", "recent_runs", "renew_issued", "start_renewal",
]
