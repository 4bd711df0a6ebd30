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
    RENEWAL_RUN_JOB,
    RENEWED,
    Candidate,
    OpenedRun,
    add_renewal,
    carry_out,
    due_candidates,
    open_run,
    queue_renewal,
    renew_issued,
    renewal_work,
    start_renewal,
)
from docflow.services.renewal.schedule import RenewalScheduler, due_since, run_for_ward, run_scheduled, wards_due

__all__ = [
    "DUE", "FAILED", "NOT_DUE", "RENEWAL_JOB", "RENEWED", "Candidate", "IssuedMatch", "OpenedRun",
    "RenewalScheduler", "add_renewal", "answer_for_digest", "carry_out", "due_candidates", "due_since", "get_run",
    "issued_version_ids", "match_bytes", "match_version", "open_run", "recent_runs", "renew_issued",
    "run_for_ward", "run_scheduled", "wards_due", "start_renewal", "RENEWAL_RUN_JOB", "queue_renewal", "renewal_work",
]
