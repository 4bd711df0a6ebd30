"""A ward with data goes down and up the migrations: on SQLite a batch migration rebuilds a table (copy, drop,
rename), which with foreign keys enforced fails as soon as other rows refer to it (0030 rebuilds
document_versions, referred to by signatures, page texts and its own renewals). The test suite otherwise only
migrates empty databases. Since 0041 (one audit chain per ward) an event is hashed with its ward, so a ward
with events cannot go below 0041: that downgrade is refused and leaves the database as it was."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import func, select

from docflow import db, migrations
from docflow.models import AuditEvent, DocumentVersion, Signature
from tests.services.backup.drill import docflow, open_instance, seeded_instance

REBUILDING = "0029"   # the revision before the newest that rebuilds a table other rows refer to
PER_WARD_CHAINS = "0041_audit"   # events hashed with their ward from here on: the floor of a ward with events


def _counts(config_file):
    context = open_instance(config_file)
    try:
        with db.make_sessionmaker(context.engine)() as s:
            return tuple(s.execute(select(func.count(model.id))).scalar_one()
                         for model in (DocumentVersion, Signature, AuditEvent))
    finally:
        context.engine.dispose()


def test_a_ward_with_documents_and_signatures_migrates_down_and_up_again(tmp_path, database_factory):
    ward = seeded_instance(tmp_path / "ward", database_factory("migrating"))
    before = _counts(ward)
    context = open_instance(ward)
    try:
        config = migrations.alembic_config(context.engine)
        command.downgrade(config, PER_WARD_CHAINS)
        assert not migrations.is_current(context.engine)
        with pytest.raises(RuntimeError, match="hashed with their ward"):
            command.downgrade(config, REBUILDING)
        migrations.upgrade(context.engine)
        assert migrations.is_current(context.engine)
    finally:
        context.engine.dispose()

    assert _counts(ward) == before and before[0] > 0 and before[1] > 0
    verified = docflow(ward, "audit", "verify")
    assert verified.exit_code == 0, verified.output
