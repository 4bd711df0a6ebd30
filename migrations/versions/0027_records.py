"""records: the file plan (danh mục hồ sơ), its headings and files, the documents in files, and the decisions
that destroy files whose retention has ended (issue 14, §1 and §2; Decree 30, Art. 28–30, rules R46–R48, R57)

A document is in at most one file as its home (the partial unique index uq_file_documents_home, on both
databases) and referenced from any others. A destroyed file keeps its row; the decision and its list of
destroyed files are kept forever. Every table carries the ward"s organisation_id.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    # A document whose every file a destruction decision destroyed is withdrawn: nobody opens it any more.
    # (SQLite: op.add_column, not batch mode, which would rebuild the table and drop 0003's search triggers.)
    op.add_column("documents", sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table("destruction_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("decision_number", sa.String(length=50), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _fk("destruction_decisions", "decided_by_id", "users"),
        _fk("destruction_decisions", "organisation_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destruction_decisions"))
    )
    op.create_table("file_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        _fk("file_plans", "approved_by_id", "users"),
        _fk("file_plans", "created_by_id", "users"),
        _fk("file_plans", "organisation_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_plans")),
        sa.UniqueConstraint("organisation_id", "year", name=op.f("uq_file_plans_organisation_id_year"))
    )
    op.create_table("plan_headings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        _fk("plan_headings", "department_id", "departments"),
        _fk("plan_headings", "organisation_id", "organisations"),
        _fk("plan_headings", "plan_id", "file_plans"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_headings"))
    )
    op.create_index("ix_plan_headings_plan", "plan_headings", ["plan_id", "ordinal"])
    op.create_table("record_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("heading_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=True),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.Enum("planned", "open", "closed", "destroyed", name="filestatus", native_enum=False,
                                    create_constraint=False, length=24), nullable=False),
        sa.Column("language", sa.String(length=20), server_default="vi", nullable=False),
        sa.Column("rights", sa.String(length=100), server_default="", nullable=False),
        sa.Column("note", sa.String(length=500), server_default="", nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("destruction_id", sa.Integer(), nullable=True),
        _fk("record_files", "closed_by_id", "users"),
        _fk("record_files", "destruction_id", "destruction_decisions"),
        _fk("record_files", "heading_id", "plan_headings"),
        _fk("record_files", "opened_by_id", "users"),
        _fk("record_files", "organisation_id", "organisations"),
        _fk("record_files", "plan_id", "file_plans"),
        _fk("record_files", "responsible_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_files")),
        sa.UniqueConstraint("plan_id", "code", name=op.f("uq_record_files_plan_id_code"))
    )
    op.create_index("ix_record_files_org_status", "record_files", ["organisation_id", "status"])
    op.create_table("destroyed_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("doc_total", sa.Integer(), nullable=False),
        sa.Column("page_total", sa.Integer(), nullable=False),
        _fk("destroyed_files", "decision_id", "destruction_decisions"),
        _fk("destroyed_files", "file_id", "record_files"),
        _fk("destroyed_files", "organisation_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destroyed_files")),
        sa.UniqueConstraint("file_id", name=op.f("uq_destroyed_files_file_id"))
    )
    op.create_table("file_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("is_home", sa.Boolean(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        _fk("file_documents", "added_by_id", "users"),
        _fk("file_documents", "document_id", "documents"),
        _fk("file_documents", "file_id", "record_files"),
        _fk("file_documents", "organisation_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_documents")),
        sa.UniqueConstraint("file_id", "document_id", name=op.f("uq_file_documents_file_id_document_id"))
    )
    op.create_index("ix_file_documents_document", "file_documents", ["document_id"])
    op.create_index("uq_file_documents_home", "file_documents", ["document_id"], unique=True,
                    sqlite_where=sa.text("is_home"), postgresql_where=sa.text("is_home"))


def downgrade() -> None:
    op.drop_index("uq_file_documents_home", table_name="file_documents")
    op.drop_index("ix_file_documents_document", table_name="file_documents")
    op.drop_table("file_documents")
    op.drop_table("destroyed_files")
    op.drop_index("ix_record_files_org_status", table_name="record_files")
    op.drop_table("record_files")
    op.drop_index("ix_plan_headings_plan", table_name="plan_headings")
    op.drop_table("plan_headings")
    op.drop_table("file_plans")
    op.drop_table("destruction_decisions")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE documents DROP COLUMN destroyed_at")   # keeps the search triggers
    else:
        op.drop_column("documents", "destroyed_at")
