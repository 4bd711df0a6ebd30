"""signing authority and completion: the written basis of a delegation; contributions and completion proposals

A TUQ. delegation needs its written basis (the authorising document, in docflow or by number and date). A
co-handler's contribution (text and optional file) is recorded on their assignment; the lead proposes
completion and the assigning head or the directing leader accepts or returns it. At most one proposal
awaits a decision and at most one is accepted per document (partial unique indexes). Every new table
carries organisation_id.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'proposed'")
ACCEPTED = sa.text("status = 'accepted'")


def upgrade() -> None:
    with op.batch_alter_table("delegations") as batch:
        batch.add_column(sa.Column("basis_document_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("basis_reference", sa.String(length=100), server_default="", nullable=False))
        batch.add_column(sa.Column("basis_date", sa.Date(), nullable=True))
        batch.create_foreign_key(op.f("fk_delegations_basis_document_id_documents"), "documents",
                                 ["basis_document_id"], ["id"])
    _contributions()
    _proposals()


def _contributions() -> None:
    op.create_table(
        "contributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("file_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("marked_done", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_contributions_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_contributions_document_id_documents")),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"],
                                name=op.f("fk_contributions_assignment_id_assignments")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_contributions_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contributions")),
    )
    op.create_index("ix_contributions_document", "contributions", ["document_id"])


def _proposals() -> None:
    op.create_table(
        "completion_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("reply_document_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_completion_proposals_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name=op.f("fk_completion_proposals_document_id_documents")),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"],
                                name=op.f("fk_completion_proposals_assignment_id_assignments")),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"],
                                name=op.f("fk_completion_proposals_proposed_by_id_users")),
        sa.ForeignKeyConstraint(["reply_document_id"], ["documents.id"],
                                name=op.f("fk_completion_proposals_reply_document_id_documents")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_completion_proposals_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_completion_proposals")),
    )
    op.create_index("ix_completion_proposals_document", "completion_proposals", ["document_id"])
    op.create_index("ux_completion_proposals_open", "completion_proposals", ["document_id"], unique=True,
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ux_completion_proposals_accepted", "completion_proposals", ["document_id"], unique=True,
                    postgresql_where=ACCEPTED, sqlite_where=ACCEPTED)


def downgrade() -> None:
    op.drop_table("completion_proposals")
    op.drop_table("contributions")
    with op.batch_alter_table("delegations") as batch:
        batch.drop_constraint(op.f("fk_delegations_basis_document_id_documents"), type_="foreignkey")
        batch.drop_column("basis_date")
        batch.drop_column("basis_reference")
        batch.drop_column("basis_document_id")
