"""R52 (preservation, integrity over time): the ward's issued versions renewed at PAdES B-LTA before their
certificates expire: a new version that only appends validation data and a document timestamp, accepted by
the chain check (named as a renewal) and by the "are these the issued bytes?" check; a run reports what it
renewed, what was not due and what failed, and a second run renews nothing twice."""

from __future__ import annotations

import io
import dataclasses
from datetime import timedelta

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from sqlalchemy import select

from docflow.models import AuditEvent, Role, utc_now
from docflow.services import renewal
from docflow.services.signatures import chain as chaincheck
from docflow.services.signatures.context import signing_context
from docflow.services.signatures.reports import trust_settings
from docflow.signing.base import PadesLevel
from docflow.signing.renewal import renew_pdf
from docflow.signing.verify import verify_pdf
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture
from tests.services.renewal.helpers import SHORT_DAYS, issued_short, savepoint
from tests.services.signatures.test_chaincheck import _issued

pytestmark = pytest.mark.usefixtures("app_ctx")


def _run(db_session, settings, store, actor, **kw):
    return renewal.renew_issued(transaction=savepoint(db_session), settings=settings, store=store,
                                actor_id=actor.id, **kw)


def test_R52_a_version_whose_certificates_expire_soon_is_renewed_at_b_lta(db_session, signing_settings, store,
                                                                          ward, make_user):
    document = issued_short(db_session, signing_settings, store, ward, make_user)
    issued = document.current_version
    issued_bytes = store.read(issued.sha256)

    run = _run(db_session, signing_settings, store, ward.clerk)

    db_session.refresh(document)
    renewed = document.current_version
    assert (run.renewed, run.not_due, run.failed) == (1, 0, 0)
    assert renewed.is_renewal and renewed.parent_id == issued.id and renewed.number == issued.number + 1
    data = store.read(renewed.sha256)
    assert data.startswith(issued_bytes) and len(data) > len(issued_bytes)
    reader = PdfFileReader(io.BytesIO(data))
    assert len(reader.embedded_timestamp_signatures) == 1
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.crls or dss.ocsps
    result = verify_pdf(data, trust_settings(signing_settings))
    assert result.valid, [p.text() for s in result.signatures for p in s.problems]
    assert [s.pades_level for s in result.signatures if not s.is_timestamp] == ["B-LTA", "B-LTA"]
    # after both signing certificates have expired, the document timestamp still carries the signatures
    later = verify_pdf(data, trust_settings(signing_settings), now=utc_now() + timedelta(days=SHORT_DAYS + 3))
    assert later.valid, [p.text() for s in later.signatures for p in s.problems]
    event = db_session.execute(select(AuditEvent).where(AuditEvent.action == "document.renewed",
                                                        AuditEvent.object_id == str(document.id))).scalar_one()
    assert event.details["sha256"] == renewed.sha256 and event.details["renews_version"] == issued.number


def test_R52_the_chain_check_accepts_the_renewal_and_names_it(db_session, signing_settings, store, ward, make_user):
    document = issued_short(db_session, signing_settings, store, ward, make_user)
    _run(db_session, signing_settings, store, ward.clerk)
    auditor = make_user(Role.AUDITOR)
    db_session.expire_all()

    result = chaincheck.check_document(db_session, settings=signing_settings, store=store, actor=auditor,
                                       document_id=document.id)

    assert result.ok, [s.to_json() for s in result.steps if not s.ok]
    step = next(s for s in result.steps if s.kind == "renewal")
    assert step.to_json()["title"]["vi"].startswith("Gia hạn hiệu lực chữ ký (B-LTA) ngày ")
    assert [s.kind for s in result.steps].count("renewal") == 1


def test_R52_the_issued_bytes_and_their_renewal_are_both_the_issued_bytes(db_session, signing_settings, store,
                                                                          ward, make_user):
    document = issued_short(db_session, signing_settings, store, ward, make_user)
    issued = document.current_version
    _run(db_session, signing_settings, store, ward.clerk)
    db_session.refresh(document)
    renewed = document.current_version

    as_issued = renewal.match_bytes(db_session, store=store, data=store.read(issued.sha256),
                                    organisation_id=document.organisation_id)
    as_renewal = renewal.match_bytes(db_session, store=store, data=store.read(renewed.sha256),
                                    organisation_id=document.organisation_id)

    assert as_issued is not None and as_issued.accepted and not as_issued.is_renewal
    assert as_renewal is not None and as_renewal.accepted and as_renewal.is_renewal
    assert (as_issued.document_id, as_issued.issued_version) == (document.id, issued.number)
    assert (as_renewal.issued_version, as_renewal.stored_version) == (issued.number, renewed.number)
    assert renewal.match_version(db_session, store=store, version=renewed).accepted


def test_R52_a_second_run_renews_nothing_again(db_session, signing_settings, store, ward, make_user):
    document = issued_short(db_session, signing_settings, store, ward, make_user)
    _run(db_session, signing_settings, store, ward.clerk)

    again = _run(db_session, signing_settings, store, ward.clerk)

    db_session.refresh(document)
    assert (again.renewed, again.not_due, again.failed) == (0, 1, 0)
    assert [v.is_renewal for v in document.versions].count(True) == 1
    assert again.items[0]["outcome"] == "not_due" and again.items[0]["protected_until"]


def test_a_version_protected_beyond_the_margin_is_not_due_and_a_dry_run_changes_nothing(
        db_session, signing_settings, store, ward, make_user):
    long_lived = _issued(db_session, signing_settings, store, ward)    # certificates valid for two years
    short = issued_short(db_session, signing_settings, store, ward, make_user)
    versions = {d.id: len(d.versions) for d in (long_lived, short)}

    run = _run(db_session, signing_settings, store, ward.clerk, dry_run=True)

    outcomes = {i["document_id"]: i["outcome"] for i in run.items}
    assert outcomes == {long_lived.id: "not_due", short.id: "due"}
    assert run.dry_run and (run.renewed, run.not_due, run.failed) == (1, 1, 0)
    db_session.expire_all()
    assert {d.id: len(d.versions) for d in (long_lived, short)} == versions


def test_a_failed_renewal_is_reported_with_its_reason_and_adds_nothing(db_session, signing_settings, store, ward,
                                                                       make_user):
    document = issued_short(db_session, signing_settings, store, ward, make_user)
    before = len(document.versions)

    def appends_a_page(data: bytes) -> bytes:
        from tests.signing.test_renewal import _appended, _new_page
        from docflow.signing.renewal import renew_pdf
        from docflow.services.signatures.context import signing_context
        from docflow.signing.base import PadesLevel
        return renew_pdf(_appended(data, _new_page), signing_context(signing_settings, PadesLevel.B_LTA))

    run = _run(db_session, signing_settings, store, ward.clerk, renew=appends_a_page)

    db_session.refresh(document)
    assert (run.renewed, run.failed) == (0, 1)
    assert run.items[0]["outcome"] == "failed" and "change" in run.items[0]["message"]
    assert len(document.versions) == before


def test_an_unexpected_error_fails_its_document_only_and_the_run_still_finishes(db_session, signing_settings,
                                                                                 store, ward, make_user):
    first = issued_short(db_session, signing_settings, store, ward, make_user)
    second = _issued(db_session, signing_settings, store, ward)
    calls = []

    def renew(data: bytes) -> bytes:
        calls.append(len(data))
        if len(calls) == 1:
            raise OSError(28, "No space left on device")   # not a DocflowError: once fatal to the whole run
        return renew_pdf(data, signing_context(signing_settings, PadesLevel.B_LTA))

    long_margin = dataclasses.replace(signing_settings, archive=dataclasses.replace(
        signing_settings.archive, renew_days_before=3650))   # both due
    run = _run(db_session, long_margin, store, ward.clerk, renew=renew)

    outcomes = {i["document_id"]: i["outcome"] for i in run.items}
    assert outcomes == {first.id: "failed", second.id: "renewed"} and run.finished_at is not None
    assert (run.renewed, run.failed) == (1, 1)
    assert run.items[0]["message"].startswith("An unexpected error stopped the renewal")


def test_a_destroyed_document_is_not_renewed(db_session, signing_settings, store, ward, make_user):
    document = issued_short(db_session, signing_settings, store, ward, make_user)
    document.destroyed_at = utc_now()
    db_session.flush()

    run = _run(db_session, signing_settings, store, ward.clerk)

    assert document.id not in {i["document_id"] for i in run.items}
