"""audit: signed checkpoints, the partial-proof chain hash, append-only triggers

The chain hash becomes sha256(prev_hash + "\n" + sha256(content)) (docflow.auditlog.chain), so existing
events are re-hashed once here, with their details rewritten as canonical text, before the triggers that
forbid any further UPDATE or DELETE are created.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_events", "audit_checkpoints")


def upgrade() -> None:
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('certificate', sa.LargeBinary(), nullable=False),
    sa.Column('timestamp_token', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_checkpoints_seq'))
    )
    op.add_column('audit_head', sa.Column('checkpoint_seq', sa.BigInteger(), server_default='0', nullable=False))
    op.add_column('audit_head', sa.Column('checkpoint_at', sa.DateTime(timezone=True), nullable=True))
    _rehash()
    if op.get_bind().dialect.name == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END")
        return
    op.execute("""
        CREATE FUNCTION docflow_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$""")
    for table in APPEND_ONLY:
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION docflow_append_only()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION docflow_append_only()")


def _rehash() -> None:
    """Recompute every event's hash with the new formula (and canonical details), then the head."""
    from docflow.auditlog.chain import GENESIS_HASH, canonical_json, chain_hash, content_sha256, content_text
    from docflow.auditlog.rows import legacy_row_select_sql

    conn = op.get_bind()
    dialect = conn.dialect.name
    rows = conn.exec_driver_sql(legacy_row_select_sql(dialect), (1, 2**62)).fetchall()
    prev, updates = GENESIS_HASH, []
    for row in rows:
        details = canonical_json(json.loads(row[7]))
        digest = chain_hash(prev, content_sha256(content_text(*row[:7], details).encode("utf-8")))
        updates.append({"d": details, "p": prev, "h": digest, "s": row[0]})
        prev = digest
    cast = "CAST(:d AS JSON)" if dialect == "postgresql" else ":d"
    if updates:
        conn.execute(sa.text(f"UPDATE audit_events SET details = {cast}, prev_hash = :p, hash = :h WHERE seq = :s"),
                     updates)
        conn.execute(sa.text("UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1"),
                     {"s": updates[-1]["s"], "h": prev})


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{verb}")
    else:
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION docflow_append_only()")
    op.drop_column('audit_head', 'checkpoint_at')
    op.drop_column('audit_head', 'checkpoint_seq')
    op.drop_table('audit_checkpoints')
