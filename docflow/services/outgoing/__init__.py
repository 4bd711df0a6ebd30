"""Outgoing documents (văn bản đi): drafts, the route to the signer, issue with the register's number and
the seal, distribution, recall, replacement and correction, the drafting template and batch signing."""

from docflow.services.outgoing.base import (
    REVISABLE_STATUSES,
    ROUTED,
    clean_reason,
    clerks_of,
    get_outgoing,
    notify_users,
    recipients_of,
)
from docflow.services.outgoing.batch import (
    BATCH_JOB,
    BatchProgress,
    BatchResult,
    batch_job_for,
    batch_state,
    refused_batch,
    sign_batch,
    sign_documents,
    start_batch,
)
from docflow.services.outgoing.distribution import copies_of, distribute
from docflow.services.outgoing.drafts import (
    DraftInput,
    Related,
    add_comment,
    add_draft_version,
    comments_of,
    create_draft,
    edit_summary,
    may_edit_summary,
    related_of,
    signer_choices,
)
from docflow.services.outgoing.issuing import issue_document
from docflow.services.outgoing.numberfields import ensure_number_fields
from docflow.services.outgoing.recall import recall_document, take_effect
from docflow.services.outgoing.route import (
    active_step,
    approve_step,
    awaiting_signature_of,
    default_reviewers,
    reviewer_choices,
    return_step,
    sign_step,
    start_route,
    steps_of,
)
from docflow.services.outgoing.template import DraftDetails, draft_template_pdf

__all__ = [
    "BATCH_JOB", "REVISABLE_STATUSES", "ROUTED", "BatchProgress", "BatchResult", "DraftInput", "Related",
    "active_step", "add_comment", "add_draft_version", "approve_step", "awaiting_signature_of", "batch_job_for",
    "batch_state",
    "clean_reason", "clerks_of", "comments_of", "copies_of", "create_draft", "default_reviewers", "distribute",
    "DraftDetails", "draft_template_pdf", "ensure_number_fields", "get_outgoing", "issue_document", "notify_users",
    "recall_document", "recipients_of", "refused_batch", "related_of", "return_step", "sign_batch",
    "edit_summary", "may_edit_summary", "reviewer_choices", "sign_documents", "sign_step", "signer_choices", "start_batch", "start_route", "steps_of", "take_effect",
]
