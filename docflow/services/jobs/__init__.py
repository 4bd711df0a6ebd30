"""Jobs: long tasks as rows of the jobs table, run by a runner (in-process threads for the embedded
default), their progress read from the row by any app process."""

from docflow.services.jobs.records import (
    ITEMS,
    add_item,
    create_job,
    create_refused_job,
    error_json,
    job_for,
    json_params,
    mark_done,
    mark_failed,
    mark_running,
)
from docflow.services.jobs.runner import (
    InProcessRunner,
    JobContext,
    JobRunner,
    JobWork,
    RunningJob,
    Transaction,
    run_job,
)

__all__ = [
    "ITEMS", "InProcessRunner", "JobContext", "JobRunner", "JobWork", "RunningJob", "Transaction", "add_item",
    "create_job", "create_refused_job", "error_json", "job_for", "json_params", "mark_done", "mark_failed",
    "mark_running", "run_job",
]
