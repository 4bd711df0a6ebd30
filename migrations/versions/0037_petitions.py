"""citizens' petitions (issue 15 §3)

A citizen's petition or feedback (phản ánh, kiến nghị, góp ý) with its receipt code, personal data, routing,
deadlines (the first one never moves), answer and rating; the apology letters drafted when an answer would be
late (Decree 30 R68).

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "petitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("receipt_code", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("citizen_name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_deadline", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("handler_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_text", sa.Text(), nullable=False),
        sa.Column("answer_document_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_petitions_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["registered_by_id"], ["users.id"], name=op.f("fk_petitions_registered_by_id_users")),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name=op.f("fk_petitions_department_id_departments")),
        sa.ForeignKeyConstraint(["handler_id"], ["users.id"], name=op.f("fk_petitions_handler_id_users")),
        sa.ForeignKeyConstraint(["answer_document_id"], ["documents.id"],
                                name=op.f("fk_petitions_answer_document_id_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petitions")),
        sa.UniqueConstraint("receipt_code", name=op.f("uq_petitions_receipt_code")),
    )
    op.create_index("ix_petitions_organisation_status", "petitions", ["organisation_id", "status"])
    op.create_index(op.f("ix_petitions_department_id"), "petitions", ["department_id"])
    op.create_index(op.f("ix_petitions_handler_id"), "petitions", ["handler_id"])
    op.create_index(op.f("ix_petitions_answer_document_id"), "petitions", ["answer_document_id"])
    op.create_table(
        "petition_apologies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("new_deadline", sa.Date(), nullable=False),
        sa.Column("drafted_by_id", sa.Integer(), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_petition_apologies_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["petition_id"], ["petitions.id"],
                                name=op.f("fk_petition_apologies_petition_id_petitions")),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name=op.f("fk_petition_apologies_document_id_documents")),
        sa.ForeignKeyConstraint(["drafted_by_id"], ["users.id"], name=op.f("fk_petition_apologies_drafted_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_apologies")),
    )
    op.create_index(op.f("ix_petition_apologies_petition_id"), "petition_apologies", ["petition_id"])
    op.create_index(op.f("ix_petition_apologies_document_id"), "petition_apologies", ["document_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_petition_apologies_document_id"), table_name="petition_apologies")
    op.drop_index(op.f("ix_petition_apologies_petition_id"), table_name="petition_apologies")
    op.drop_table("petition_apologies")
    op.drop_index(op.f("ix_petitions_answer_document_id"), table_name="petitions")
    op.drop_index(op.f("ix_petitions_handler_id"), table_name="petitions")
    op.drop_index(op.f("ix_petitions_department_id"), table_name="petitions")
    op.drop_index("ix_petitions_organisation_status", table_name="petitions")
    op.drop_table("petitions")
