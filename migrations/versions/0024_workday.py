"""workday: a leader's instruction phrases; notices marked done when what they asked for has happened

instruction_phrases: a leader's often-used instructions, in his own order, picked in the direction form
(organisation_id like every table). notifications.done_at: set when the document moved on (directed,
decided, signed, issued, completed), so the notice list shows what still waits.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instruction_phrases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_instruction_phrases_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_instruction_phrases_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instruction_phrases")),
    )
    op.create_index(op.f("ix_instruction_phrases_organisation_id"), "instruction_phrases", ["organisation_id"])
    op.create_index("ix_instruction_phrases_user_position", "instruction_phrases", ["user_id", "position"])
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("done_at")
    op.drop_index("ix_instruction_phrases_user_position", table_name="instruction_phrases")
    op.drop_index(op.f("ix_instruction_phrases_organisation_id"), table_name="instruction_phrases")
    op.drop_table("instruction_phrases")
