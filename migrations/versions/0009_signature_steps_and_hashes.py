"""signatures: the routing step each closed, and the SHA-256 of the version before and after it

Issuing compares the current version with the personal signature's ``after_sha256``; the chain check
compares every stored version with these records. Existing rows are filled from the versions they
produced (``version_id`` and its parent) and from the routing step that points at them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE signatures SET
  after_sha256 = (SELECT v.sha256 FROM document_versions v WHERE v.id = signatures.version_id),
  before_sha256 = COALESCE((SELECT p.sha256 FROM document_versions v
                            JOIN document_versions p ON p.id = v.parent_id
                            WHERE v.id = signatures.version_id), ''),
  step_id = (SELECT MIN(r.id) FROM routing_steps r WHERE r.signature_id = signatures.id)
"""


def upgrade() -> None:
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("step_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("before_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("after_sha256", sa.String(length=64), nullable=True))
    op.execute(BACKFILL)
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.alter_column("before_sha256", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("after_sha256", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(batch_op.f("ix_signatures_step_id"), ["step_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_signatures_step_id_routing_steps"), "routing_steps",
                                    ["step_id"], ["id"], use_alter=True)


def downgrade() -> None:
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_signatures_step_id_routing_steps"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_signatures_step_id"))
        batch_op.drop_column("after_sha256")
        batch_op.drop_column("before_sha256")
        batch_op.drop_column("step_id")
