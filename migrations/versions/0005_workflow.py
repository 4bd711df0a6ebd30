"""workflow: delegations, assignments, routing steps, recipients, opinions, notifications

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('delegations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('delegator_id', sa.Integer(), nullable=True),
    sa.Column('mode', sa.Enum('TM', 'KT', 'Q', 'TL', 'TUQ', name='signingmode', native_enum=False, length=8), nullable=False),
    sa.Column('doc_types', sa.String(length=500), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_delegations_created_by_id_users')),
    sa.ForeignKeyConstraint(['delegate_id'], ['users.id'], name=op.f('fk_delegations_delegate_id_users')),
    sa.ForeignKeyConstraint(['delegator_id'], ['users.id'], name=op.f('fk_delegations_delegator_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_delegations_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['parent_id'], ['delegations.id'], name=op.f('fk_delegations_parent_id_delegations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegations'))
    )
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.create_index('ix_delegations_delegate', ['delegate_id', 'valid_from'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.Enum('lead', 'co', 'info', name='assignmentrole', native_enum=False, length=8), nullable=False),
    sa.Column('instruction', sa.Text(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'in_progress', 'forwarded', 'completed', 'cancelled', name='assignmentstatus', native_enum=False, length=24), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_assignments_assigned_by_id_users')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_assignments_assignee_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_assignments_department_id_departments')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_assignments_document_id_documents')),
    sa.ForeignKeyConstraint(['parent_id'], ['assignments.id'], name=op.f('fk_assignments_parent_id_assignments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_assignments_dept_status', ['department_id', 'status', 'deadline'], unique=False)
        batch_op.create_index('ix_assignments_document', ['document_id'], unique=False)
        batch_op.create_index('ix_assignments_status_deadline', ['status', 'deadline'], unique=False)
        batch_op.create_index('ix_assignments_assigned_by', ['assigned_by_id', 'status'], unique=False)
        batch_op.create_index('ix_assignments_user_status', ['assignee_id', 'status', 'deadline'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('params_json', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_notifications_document_id_documents')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at', 'created_at'], unique=False)

    op.create_table('recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('external_name', sa.String(length=300), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_document_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['delivered_document_id'], ['documents.id'], name=op.f('fk_recipients_delivered_document_id_documents')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_recipients_department_id_departments')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_recipients_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recipients'))
    )
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.create_index('ix_recipients_document', ['document_id'], unique=False)

    op.create_table('opinions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_opinions_assignment_id_assignments')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_opinions_author_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_opinions_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinions'))
    )
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.create_index('ix_opinions_document', ['document_id', 'created_at'], unique=False)

    op.create_table('routing_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('review', 'sign', 'issue', name='stepkind', native_enum=False, length=8), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('waiting', 'active', 'approved', 'returned', 'done', 'skipped', name='stepstatus', native_enum=False, length=24), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('signature_id', sa.Integer(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_routing_steps_assignee_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_routing_steps_decided_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_routing_steps_document_id_documents')),
    sa.ForeignKeyConstraint(['signature_id'], ['signatures.id'], name=op.f('fk_routing_steps_signature_id_signatures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_steps')),
    sa.UniqueConstraint('document_id', 'round', 'position', name=op.f('uq_routing_steps_document_id_round_position'))
    )
    with op.batch_alter_table('routing_steps', schema=None) as batch_op:
        batch_op.create_index('ix_routing_steps_assignee_status', ['assignee_id', 'status'], unique=False)
        batch_op.create_index('ix_routing_steps_kind_status', ['kind', 'status'], unique=False)

    columns = [
        sa.Column("signer_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_documents_signer_id_users"),
                  nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("related_document_id", sa.Integer(),
                  sa.ForeignKey("documents.id", name="fk_documents_related_document_id_documents"), nullable=True),
        sa.Column("relation", sa.String(length=20), server_default="", nullable=False),
        sa.Column("recalled_at", sa.DateTime(timezone=True), nullable=True),
    ]
    if op.get_bind().dialect.name != "sqlite":
        for column in columns:
            op.add_column("documents", column)
        return
    # SQLite: batch mode would rebuild the table and drop migration 0003's search triggers, and Alembic
    # cannot add a column with a foreign key otherwise; SQLite's own ADD COLUMN ... REFERENCES can.
    op.execute("ALTER TABLE documents ADD COLUMN signer_id INTEGER REFERENCES users (id)")
    op.execute("ALTER TABLE documents ADD COLUMN related_document_id INTEGER REFERENCES documents (id)")
    for column in columns:
        if column.name not in ("signer_id", "related_document_id"):
            op.add_column("documents", column)

def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_documents_related_document_id_documents'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_documents_signer_id_users'), type_='foreignkey')
        batch_op.drop_column('recalled_at')
        batch_op.drop_column('relation')
        batch_op.drop_column('related_document_id')
        batch_op.drop_column('received_at')
        batch_op.drop_column('issued_at')
        batch_op.drop_column('signer_id')

    with op.batch_alter_table('routing_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_routing_steps_kind_status')
        batch_op.drop_index('ix_routing_steps_assignee_status')

    op.drop_table('routing_steps')
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.drop_index('ix_opinions_document')

    op.drop_table('opinions')
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.drop_index('ix_recipients_document')

    op.drop_table('recipients')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')

    op.drop_table('notifications')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignments_user_status')
        batch_op.drop_index('ix_assignments_status_deadline')
        batch_op.drop_index('ix_assignments_assigned_by')
        batch_op.drop_index('ix_assignments_document')
        batch_op.drop_index('ix_assignments_dept_status')

    op.drop_table('assignments')
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.drop_index('ix_delegations_delegate')

    op.drop_table('delegations')

