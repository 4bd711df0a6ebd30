"""The record of each signature docflow makes (its routing step, the SHA-256 before and after), and
migration 0009 filling those columns for signatures made before it."""

from __future__ import annotations

import importlib.util

import pytest
from sqlalchemy import select, text, update

from docflow import PROJECT_ROOT
from docflow.models import Signature
from docflow.models.routing import RoutingStep
from tests.services.signatures.test_chaincheck import _issued
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture

pytestmark = pytest.mark.usefixtures("app_ctx")


def _migration_0009():
    path = PROJECT_ROOT / "migrations" / "versions" / "0009_signature_steps_and_hashes.py"
    spec = importlib.util.spec_from_file_location("migration_0009", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_signature_of_an_issued_document_records_its_step_and_the_bytes_before_and_after(
        db_session, signing_settings, store, ward):
    document = _issued(db_session, signing_settings, store, ward)
    versions = {v.id: v for v in document.versions}

    records = db_session.execute(select(Signature).where(Signature.document_id == document.id)).scalars().all()

    assert records
    for record in records:
        step = db_session.execute(select(RoutingStep).where(RoutingStep.signature_id == record.id)).scalar_one()
        version = versions[record.version_id]
        assert record.step_id == step.id
        assert (record.before_sha256, record.after_sha256) == (version.parent.sha256, version.sha256)


def test_migration_0009_fills_the_step_and_hashes_of_signatures_made_before_it(
        db_session, signing_settings, store, ward):
    document = _issued(db_session, signing_settings, store, ward)
    expected = {r.id: (r.step_id, r.before_sha256, r.after_sha256) for r in db_session.execute(
        select(Signature).where(Signature.document_id == document.id)).scalars()}
    db_session.execute(update(Signature).where(Signature.document_id == document.id)
                       .values(step_id=None, before_sha256="", after_sha256=""))

    db_session.execute(text(_migration_0009().BACKFILL))

    db_session.expire_all()
    filled = {r.id: (r.step_id, r.before_sha256, r.after_sha256) for r in db_session.execute(
        select(Signature).where(Signature.document_id == document.id)).scalars()}
    assert filled == expected and all(step is not None for step, _, _ in filled.values())
