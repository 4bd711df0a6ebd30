"""key guards: wrong-PIN counts and locks, the holder's PIN enrolment and the key file's wrap, per certificate

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('key_guards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('failed_pins', sa.Integer(), nullable=False),
    sa.Column('lock_count', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('wrap', sa.JSON(), nullable=True),
    sa.Column('pin_set_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('enrolment_sha256', sa.String(length=64), nullable=True),
    sa.Column('enrolment_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'],
                            name=op.f('fk_key_guards_certificate_id_certificates')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_key_guards_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_guards')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_key_guards_certificate_id'))
    )
    # Keys issued before this revision: their PIN was set (by whoever issued them) and their file is still
    # PKCS#12 under the bare PIN (wrap NULL), rewrapped under the server secret at the next right PIN.
    op.execute("INSERT INTO key_guards (organisation_id, certificate_id, failed_pins, lock_count, pin_set_at) "
               "SELECT organisation_id, id, 0, 0, created_at FROM certificates WHERE kind <> 'system'")


def downgrade() -> None:
    op.drop_table('key_guards')
