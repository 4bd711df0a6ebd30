"""Refusals of the long-term renewal (issue 14 §2, R52): only the clerk and the administrator run it, each only
on their own ward; the runs' reports are for the clerk, the auditor and the administrator of that ward; a
"renewal" that appends anything but validation data and a document timestamp is refused by the chain check
and by the "are these the issued bytes?" check; a version renewed twice at once is renewed once."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from docflow.errors import ConflictError, NotFoundError, PermissionDeniedError
from docflow.models import AuditEvent, DocumentVersion, Organisation, Role, VersionKind
from docflow.services import renewal
from docflow.services.signatures import chain as chaincheck
from docflow.signing.renewal import renew_pdf
from docflow.services.signatures.context import signing_context
from docflow.signing.base import PadesLevel
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture
from tests.services.renewal.helpers import issued_short, savepoint
from tests.signing.test_renewal import _appended, _changed_title, _new_page

pytestmark = pytest.mark.usefixtures("app_ctx")


def _run(db_session, settings, store, actor, **kw):
    return renewal.renew_issued(transaction=savepoint(db_session), settings=settings, store=store,
                                actor_id=actor.id, **kw)


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.HEAD, Role.LEADER, Role.AUDITOR])
def test_only_the_clerk_and_the_administrator_run_the_renewal(db_session, signing_settings, store, make_user, role):
    with pytest.raises(PermissionDeniedError):
        _run(db_session, signing_settings, store, make_user(role))


def test_an_inactive_clerk_may_not_run_it(db_session, signing_settings, store, make_user):
    with pytest.raises(PermissionDeniedError):
        _run(db_session, signing_settings, store, make_user(Role.CLERK, active=False))


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.HEAD, Role.LEADER])
def test_the_reports_are_not_for_other_roles(db_session, signing_settings, store, make_user, role):
    run = _run(db_session, signing_settings, store, make_user(Role.ADMIN))
    reader = make_user(role)
    with pytest.raises(PermissionDeniedError):
        renewal.recent_runs(db_session, actor=reader)
    with pytest.raises(PermissionDeniedError):
        renewal.get_run(db_session, actor=reader, run_id=run.id)


def test_another_wards_run_is_not_found_and_its_documents_are_not_renewed(db_session, signing_settings, store,
                                                                          ward, make_user):
    document = issued_short(db_session, signing_settings, store, ward, make_user)
    other = Organisation(name="UBND phường Khác", code="UBND-KHAC")
    db_session.add(other)
    outsider = make_user(Role.ADMIN)
    outsider.organisation = other
    db_session.flush()

    outside_run = _run(db_session, signing_settings, store, outsider)
    own_run = _run(db_session, signing_settings, store, ward.clerk, dry_run=True)

    assert outside_run.items == [] and [i["document_id"] for i in own_run.items] == [document.id]
    assert [r.id for r in renewal.recent_runs(db_session, actor=ward.clerk)] == [own_run.id]
    with pytest.raises(NotFoundError):
        renewal.get_run(db_session, actor=ward.clerk, run_id=outside_run.id)


def _forged_renewal(db_session, store, document, data: bytes) -> DocumentVersion:
    """A version written past the services as if it were a renewal, with its audit event."""
    current = document.current_version
    version = DocumentVersion(document=document, number=current.number + 1, parent_id=current.id,
                              sha256=store.put_bytes(data), size=len(data), page_count=current.page_count,
                              kind=VersionKind.RENEWAL, created_by_id=current.created_by_id)
    db_session.add(version)
    db_session.flush()
    from docflow.services import audit
    from docflow.services.audit import AuditAction
    audit.record(db_session, action=AuditAction.DOCUMENT_RENEWED, actor=None, object_type="document",
                 object_id=document.id, details={"version": version.number, "sha256": version.sha256})
    return version


@pytest.mark.parametrize("change", ["page", "content"])
def test_R52_a_renewal_that_appends_anything_else_is_refused_by_both_checks(db_session, signing_settings, store,
                                                                           ward, make_user, change):
    document = issued_short(db_session, signing_settings, store, ward, make_user)
    issued = store.read(document.current_version.sha256)
    context = signing_context(signing_settings, PadesLevel.B_LTA)
    forged = (renew_pdf(_appended(issued, _new_page), context) if change == "page"
              else _appended(renew_pdf(issued, context), _changed_title))
    version = _forged_renewal(db_session, store, document, forged)
    db_session.expire_all()

    result = chaincheck.check_document(db_session, settings=signing_settings, store=store,
                                       actor=make_user(Role.AUDITOR), document_id=document.id)
    public = renewal.match_bytes(db_session, store=store, data=forged,
                                    organisation_id=document.organisation_id)

    step = next(s for s in result.steps if s.kind == "renewal")
    assert not result.ok and any("is not a true renewal" in p.text() for p in step.problems)
    assert public is not None and not public.accepted and public.document_id == document.id
    assert not renewal.match_version(db_session, store=store, version=version).accepted


def test_a_version_marked_as_renewal_of_an_unissued_version_is_refused(db_session, signing_settings, store, ward,
                                                                       make_user):
    document = issued_short(db_session, signing_settings, store, ward, make_user)
    first = document.versions[0]
    db_session.execute(update(DocumentVersion).where(DocumentVersion.id == document.versions[1].id)
                       .values(kind=VersionKind.RENEWAL))
    db_session.expire_all()

    result = chaincheck.check_document(db_session, settings=signing_settings, store=store,
                                       actor=make_user(Role.AUDITOR), document_id=document.id)

    assert any("does not renew the issued version" in p.text() for s in result.steps for p in s.problems)
    assert renewal.match_bytes(db_session, store=store, data=store.read(first.sha256),
                                    organisation_id=document.organisation_id) is None


def test_a_version_renewed_twice_at_once_is_renewed_once(db_session, signing_settings, store, ward, make_user):
    document = issued_short(db_session, signing_settings, store, ward, make_user)
    candidate = renewal.due_candidates(db_session, organisation_id=ward.clerk.organisation_id)[0]
    data = renew_pdf(store.read(candidate.sha256), signing_context(signing_settings, PadesLevel.B_LTA))
    sha256 = store.put_bytes(data)

    renewal.add_renewal(db_session, actor_id=ward.clerk.id, candidate=candidate, sha256=sha256, size=len(data),
                        timestamps=(), now=document.created_at)
    with pytest.raises(ConflictError):
        renewal.add_renewal(db_session, actor_id=ward.clerk.id, candidate=candidate, sha256=sha256, size=len(data),
                            timestamps=(), now=document.created_at)

    events = db_session.execute(select(AuditEvent).where(AuditEvent.action == "document.renewed",
                                                         AuditEvent.object_id == str(document.id))).scalars().all()
    assert len(events) == 1


def test_another_ward_s_issued_bytes_are_not_named_to_this_ward(db_session, signing_settings, store, ward,
                                                                make_user):
    document = issued_short(db_session, signing_settings, store, ward, make_user)
    data = store.read(document.current_version.sha256)
    other = Organisation(name="UBND phường Khác", code="UBNDK")
    db_session.add(other)
    db_session.flush()

    assert renewal.match_bytes(db_session, store=store, data=data, organisation_id=document.organisation_id)
    assert renewal.match_bytes(db_session, store=store, data=data, organisation_id=other.id) is None
    assert renewal.answer_for_digest(db_session, store=store, actor_id=ward.clerk.id, organisation_id=other.id,
                                     sha256=document.current_version.sha256) is None
