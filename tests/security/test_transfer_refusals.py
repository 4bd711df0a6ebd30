"""Every refusal of the archive transfer (issue 14 §2): a role other than the clerk or the administrator, an open
file of the year (named), a year with nothing closed or no plan; and another ward's files and documents never
reach a ward's package, whoever asks."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from docflow.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError
from docflow.models import AuditEvent, Document, RecordTransfer, Role
from docflow.services import records
from docflow.services.records.transfer import build_transfer, list_transfers
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture
from tests.services.records.helpers import NOW, open_file, other_ward_clerk
from tests.services.records.transfer_helpers import TZ, YEAR, checkpointer, closed_year, with_organ_id  # noqa: F401
from tests.web.test_records_transfers_web import made  # noqa: F401 - the made fixture


def _nothing_recorded(db_session) -> bool:
    return (db_session.execute(select(RecordTransfer)).first() is None
            and db_session.execute(select(AuditEvent).where(AuditEvent.action == "records.transferred")).first()
            is None)


@pytest.mark.parametrize("who", ["chairman", "leader", "official", "head", "auditor"])
def test_only_the_clerk_or_the_administrator_transfers(db_session, signing_settings, store, ward, checkpointer,
                                                       make_user, who):
    settings = with_organ_id(signing_settings)
    closed_year(db_session, settings, store, ward)
    actor = {"chairman": ward.chairman, "leader": ward.leader, "official": ward.drafter, "head": ward.land_head,
             "auditor": make_user(Role.AUDITOR)}[who]

    with pytest.raises(PermissionDeniedError, match="clerk or the administrator"):
        build_transfer(db_session, settings=settings, store=store, actor=actor, year=YEAR)
    with pytest.raises(PermissionDeniedError):
        list_transfers(db_session, actor=actor)
    assert _nothing_recorded(db_session)


def test_an_administrator_may_transfer_and_an_inactive_clerk_may_not(db_session, signing_settings, store, ward,
                                                                    checkpointer, make_user):
    settings = with_organ_id(signing_settings)
    closed_year(db_session, settings, store, ward)
    gone = make_user(Role.CLERK, active=False)
    with pytest.raises(PermissionDeniedError):
        build_transfer(db_session, settings=settings, store=store, actor=gone, year=YEAR)
    pack = build_transfer(db_session, settings=settings, store=store, actor=make_user(Role.ADMIN), year=YEAR)
    assert pack.files == 1


def test_an_open_file_refuses_the_year_and_is_named(db_session, signing_settings, store, ward, checkpointer):
    settings = with_organ_id(signing_settings)
    closed_year(db_session, settings, store, ward)
    closed_year(db_session, settings, store, ward, code="02.VP", close=False)
    closed_year(db_session, settings, store, ward, code="03.VP", close=False)

    with pytest.raises(InvalidTransitionError) as refused:
        build_transfer(db_session, settings=settings, store=store, actor=ward.clerk, year=YEAR)

    assert "still open: 02.VP, 03.VP" in str(refused.value) and "--only-closed" in str(refused.value)
    assert _nothing_recorded(db_session)


def test_a_year_without_a_closed_file_or_without_a_plan_is_refused(db_session, signing_settings, store, ward,
                                                                   checkpointer):
    settings = with_organ_id(signing_settings)
    with pytest.raises(NotFoundError, match="no file plan for 2031"):
        build_transfer(db_session, settings=settings, store=store, actor=ward.clerk, year=2031)
    closed_year(db_session, settings, store, ward, close=False)
    with pytest.raises(InvalidTransitionError, match="No closed file of 2026"):
        build_transfer(db_session, settings=settings, store=store, actor=ward.clerk, year=YEAR, only_closed=True)
    assert _nothing_recorded(db_session)


def test_another_wards_files_and_documents_are_never_in_the_package(db_session, signing_settings, store, ward,
                                                                   checkpointer):
    settings = with_organ_id(signing_settings)
    mine = closed_year(db_session, settings, store, ward)
    clerk = other_ward_clerk(db_session)
    theirs = Document(organisation_id=clerk.organisation_id, kind=mine.outgoing.kind, doc_type="cong_van",
                      summary="Của phường khác", status=mine.outgoing.status, created_by_id=clerk.id)
    db_session.add(theirs)
    db_session.flush()
    their_file = open_file(db_session, actor=clerk, year=YEAR, code="01.VP")
    records.add_document(db_session, actor=clerk, file_id=their_file.id, document_id=theirs.id, now=NOW)
    records.close_file(db_session, actor=clerk, file_id=their_file.id, tz=TZ)

    pack = build_transfer(db_session, settings=settings, store=store, actor=ward.clerk, year=YEAR)

    with zipfile.ZipFile(io.BytesIO(pack.data)) as z:
        names, xml = z.namelist(), z.read("metadata.xml").decode("utf-8")
    assert (pack.files, pack.documents) == (1, 2)
    assert not any(n.startswith(f"documents/{theirs.id}/") for n in names)
    assert f'id="{theirs.id}"' not in xml and "Của phường khác" not in xml and "UBND phường Khác" not in xml
    assert [t.organisation_id for t in list_transfers(db_session, actor=ward.clerk)] == [ward.clerk.organisation_id]
    assert list_transfers(db_session, actor=clerk) == []


@pytest.mark.parametrize("role", [Role.LEADER, Role.OFFICIAL, Role.AUDITOR, Role.HEAD])
def test_the_other_roles_are_refused_the_transfers_pages(client, made, make_user, role):
    client.login(make_user(role))
    assert client.get("/records/transfers").status_code == 403
    assert client.get("/records/transfers.csv").status_code == 403
    assert 'data-testid="transfers-link"' not in client.get(f"/records/?year={YEAR}").get_data(as_text=True)
