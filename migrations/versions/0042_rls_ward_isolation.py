"""Row-level security: every ward-owned table behind a PostgreSQL policy (issue 16 §1)

On PostgreSQL each table carrying ``organisation_id`` admits only the rows of the ward the transaction acts for
(``docflow.rowsecurity``); the tables hanging off a document (its versions, signatures, routing steps, grants,
assignments, opinions, recipients) or off a user (notifications) are walled through that parent. SQLite has no
row-level security: nothing changes there.

Left out, on purpose: ``organisations`` (the list of wards itself: names and codes, no ward's data; the sign-in
page, public pages and the operator resolve a ward through it), ``verification_reports`` (a cache keyed by a
PDF's SHA-256 and the trust settings, the same answer for whichever ward asks) and ``alembic_version``.

The audit tables (``audit_events``, ``audit_head``, ``audit_checkpoints``) are walled by ward here when they
already carry ``organisation_id`` (the per-ward audit chain); otherwise the migration that adds the column
walls them (``rowsecurity.by_ward``).

Revision ID: 0042_rls
Revises: 0041_audit
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from docflow import rowsecurity

revision = "0042_rls"
down_revision = "0041_audit"
branch_labels = None
depends_on = None

BY_WARD = (
    "api_clients", "attachments", "certificates", "completion_proposals", "contributions", "delegations",
    "departments", "destroyed_files", "destruction_decisions", "document_copies", "documents",
    "exchange_deliveries", "exchange_inbox", "exchange_messages", "exchange_outbox", "exchange_partners",
    "file_documents", "file_plans", "format_check_results", "format_check_settings", "imported_documents",
    "instruction_phrases", "jobs", "key_guards", "login_throttles", "ocr_tasks", "page_texts",
    "petition_apologies", "petitions", "plan_headings", "public_codes", "queued_jobs", "rate_limits", "record_files",
    "record_transfers", "register_closings", "register_counters", "register_series", "registers",
    "renewal_runs", "report_months", "report_versions", "saved_searches", "seal_images", "search_texts", "users",
    "version_sources",
)
# (table, its column naming the parent, the parent table)
THROUGH_PARENT = (
    ("assignments", "document_id", "documents"),
    ("document_grants", "document_id", "documents"),
    ("document_versions", "document_id", "documents"),
    ("opinions", "document_id", "documents"),
    ("recipients", "document_id", "documents"),
    ("routing_steps", "document_id", "documents"),
    ("signatures", "document_id", "documents"),
    ("notifications", "user_id", "users"),
)
AUDIT = ("audit_events", "audit_head", "audit_checkpoints")


def _audit_tables_with_ward() -> list[str]:
    inspector = sa.inspect(op.get_bind())
    return [table for table in AUDIT
            if any(column["name"] == "organisation_id" for column in inspector.get_columns(table))]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in (*BY_WARD, *_audit_tables_with_ward()):
        rowsecurity.by_ward(op.execute, table)
    for table, column, parent in THROUGH_PARENT:
        rowsecurity.through_parent(op.execute, table, column, parent)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in (*(t for t, _c, _p in THROUGH_PARENT), *AUDIT, *BY_WARD):
        rowsecurity.remove(op.execute, table)
