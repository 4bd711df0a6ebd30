"""audit: one chain per ward (issue 16 §3)

audit_events, audit_head and audit_checkpoints get the ward (organisation_id). Every existing event, the head
and every checkpoint belong to the first ward: its chain stays exactly as it was (same sequence numbers, same
hashes; those events keep ``hash_format`` 1, hashed without the ward). Sequence numbers become unique per ward,
the search indexes lead with the ward, and the head becomes one row per ward, made with the ward's first event
(a database with no ward yet loses its empty head row). The append-only triggers of 0006 are dropped for the
backfill and made again as they were; a new trigger refuses DELETE (and TRUNCATE) of a chain head, whose removal
would let a ward's chain start over.

Revision ID: 0041_audit
Revises: 0040_wards
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0041_audit"
down_revision = "0040_wards"
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_events", "audit_checkpoints")
OLD_INDEXES = {"ix_audit_events_object": ["object_type", "object_id", "seq"],
               "ix_audit_events_actor": ["actor_id", "seq"],
               "ix_audit_events_action": ["action", "seq"],
               "ix_audit_events_time": ["occurred_at"]}


def upgrade() -> None:
    conn = op.get_bind()
    _drop_triggers()
    first = conn.execute(sa.text("SELECT min(id) FROM organisations")).scalar()
    if first is None:
        if conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar():
            raise RuntimeError("audit events exist but no ward does: cannot tell whose chain they are")
        conn.execute(sa.text("DELETE FROM audit_head"))
    for table in ("audit_events", "audit_head", "audit_checkpoints"):
        op.add_column(table, sa.Column("organisation_id", sa.Integer(), nullable=True))
        if first is not None:
            conn.execute(sa.text(f"UPDATE {table} SET organisation_id = :o"), {"o": first})
    op.add_column("audit_events", sa.Column("hash_format", sa.SmallInteger(), server_default="1", nullable=False))
    with op.batch_alter_table("audit_events") as batch:
        for name in OLD_INDEXES:
            batch.drop_index(name)
        batch.drop_constraint("uq_audit_events_seq", type_="unique")
        batch.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_audit_events_organisation_id_organisations", "organisations",
                                 ["organisation_id"], ["id"])
        batch.create_unique_constraint("uq_audit_events_organisation_id_seq", ["organisation_id", "seq"])
        for name, columns in OLD_INDEXES.items():
            batch.create_index(name, ["organisation_id", *columns])
    with op.batch_alter_table("audit_head") as batch:
        batch.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_audit_head_organisation_id_organisations", "organisations",
                                 ["organisation_id"], ["id"])
        batch.create_unique_constraint("uq_audit_head_organisation_id", ["organisation_id"])
    with op.batch_alter_table("audit_checkpoints") as batch:
        batch.drop_constraint("uq_audit_checkpoints_seq", type_="unique")
        batch.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_audit_checkpoints_organisation_id_organisations", "organisations",
                                 ["organisation_id"], ["id"])
        batch.create_unique_constraint("uq_audit_checkpoints_organisation_id_seq", ["organisation_id", "seq"])
    _create_triggers()


def downgrade() -> None:
    """Back to one chain: possible only while no event was hashed with its ward (written since this migration),
    since the schema before it cannot say so and such an event would no longer verify."""
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM audit_events WHERE hash_format <> 1")).scalar():
        raise RuntimeError("audit events were hashed with their ward since 0039: they cannot go back to one chain")
    _drop_triggers()
    with op.batch_alter_table("audit_checkpoints") as batch:
        batch.drop_constraint("uq_audit_checkpoints_organisation_id_seq", type_="unique")
        batch.drop_constraint("fk_audit_checkpoints_organisation_id_organisations", type_="foreignkey")
        batch.create_unique_constraint("uq_audit_checkpoints_seq", ["seq"])
        batch.drop_column("organisation_id")
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_constraint("uq_audit_head_organisation_id", type_="unique")
        batch.drop_constraint("fk_audit_head_organisation_id_organisations", type_="foreignkey")
        batch.drop_column("organisation_id")
    with op.batch_alter_table("audit_events") as batch:
        for name in OLD_INDEXES:
            batch.drop_index(name)
        batch.drop_constraint("uq_audit_events_organisation_id_seq", type_="unique")
        batch.drop_constraint("fk_audit_events_organisation_id_organisations", type_="foreignkey")
        batch.create_unique_constraint("uq_audit_events_seq", ["seq"])
        batch.drop_column("hash_format")
        batch.drop_column("organisation_id")
        for name, columns in OLD_INDEXES.items():
            batch.create_index(name, columns)
    if not conn.execute(sa.text("SELECT count(*) FROM audit_head")).scalar():
        op.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')")
    _create_triggers(head=False)


def _drop_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_delete")
        for table in APPEND_ONLY:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_head")
    op.execute("DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head")
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")


def _create_triggers(*, head: bool = True) -> None:
    """The triggers of 0006, as they were (the function docflow_append_only() stays on PostgreSQL), and with
    ``head`` the one that keeps chain heads from being deleted."""
    if op.get_bind().dialect.name == "sqlite":
        if head:
            op.execute("CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
                       "BEGIN SELECT RAISE(ABORT, 'audit_head: DELETE refused (a chain head is never removed)'); END")
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END")
        return
    if head:
        op.execute("CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
                   "FOR EACH ROW EXECUTE FUNCTION docflow_append_only()")
        op.execute("CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
                   "FOR EACH STATEMENT EXECUTE FUNCTION docflow_append_only()")
    for table in APPEND_ONLY:
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION docflow_append_only()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION docflow_append_only()")
