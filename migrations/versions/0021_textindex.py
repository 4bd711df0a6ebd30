"""ocr_tasks: OCR of each page that has no usable text layer, queued at upload and done in the background

One row per page to read: its document and version, the status (queued, running, done, failed, cancelled),
the attempts, the last error, and which worker claimed it when (a task whose worker died is claimed again).
The ward's organisation_id like every table.

Revision ID: 0021_textindex
Revises: 0020
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_textindex"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ocr_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("page_no", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_ocr_tasks_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_ocr_tasks_document_id_documents")),
        sa.ForeignKeyConstraint(["version_id"], ["document_versions.id"],
                                name=op.f("fk_ocr_tasks_version_id_document_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ocr_tasks")),
    )
    op.create_index(op.f("ix_ocr_tasks_organisation_id"), "ocr_tasks", ["organisation_id"])
    op.create_index(op.f("ix_ocr_tasks_document_id"), "ocr_tasks", ["document_id"])
    op.create_index("ix_ocr_tasks_status_id", "ocr_tasks", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_ocr_tasks_status_id", table_name="ocr_tasks")
    op.drop_index(op.f("ix_ocr_tasks_document_id"), table_name="ocr_tasks")
    op.drop_index(op.f("ix_ocr_tasks_organisation_id"), table_name="ocr_tasks")
    op.drop_table("ocr_tasks")
