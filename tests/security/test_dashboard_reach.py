"""Who reads which figures (issue 13, §2): decided by the service through policy.reports, not by hiding a
link. A head asking for another department, anyone asking for another ward's department, and the
administrator are refused by the service and by the page alike."""

from __future__ import annotations

import pytest

from docflow.errors import NotFoundError, PermissionDeniedError
from docflow.models import Department
from docflow.services import reports
from tests.services.reports.wardset import TODAY, build_ward


@pytest.fixture
def ward(db_session, org, make_department, make_user):
    return build_ward(db_session, org, make_department, make_user)


def test_a_head_asking_for_another_department_is_refused_by_the_service(db_session, app, ward):
    with pytest.raises(PermissionDeniedError):
        reports.build_dashboard(db_session, actor=ward.head_tp, settings=app.extensions["docflow.settings"],
                                today=TODAY, department_id=ward.dc.id)


def test_a_head_asking_for_another_department_gets_403_on_the_page(client, ward):
    client.login(ward.head_tp)

    assert client.get(f"/dashboard/?department_id={ward.dc.id}").status_code == 403
    assert client.get(f"/dashboard/?department_id={ward.tp.id}").status_code == 200


def test_an_official_or_the_clerk_asking_for_a_department_is_refused(client, ward):
    for user in (ward.official_tp, ward.clerk):
        client.login(user)
        assert client.get(f"/dashboard/?department_id={ward.tp.id}").status_code == 403
        client.logout()


def test_another_wards_department_is_not_found_even_for_the_chairman(client, db_session, ward):
    elsewhere = Department(organisation_id=ward.other_org.id, name="Tư pháp", code="TP")
    db_session.add(elsewhere)
    db_session.flush()
    client.login(ward.leader)

    assert client.get(f"/dashboard/?department_id={elsewhere.id}").status_code == 404
    assert client.get("/dashboard/?department_id=99999999").status_code == 404


def test_a_deactivated_department_is_not_found_for_the_chairman(client, db_session, ward):
    ward.vh.is_active = False
    db_session.flush()
    client.login(ward.leader)

    assert client.get(f"/dashboard/?department_id={ward.vh.id}").status_code == 404


def test_the_administrator_has_no_figures_and_no_menu_entry(client, db_session, app, ward):
    with pytest.raises(PermissionDeniedError):
        reports.build_dashboard(db_session, actor=ward.admin, settings=app.extensions["docflow.settings"], today=TODAY)
    client.login(ward.admin)

    assert client.get("/dashboard/").status_code == 403
    assert 'data-nav="dashboard"' not in client.get("/").get_data(as_text=True)


def test_the_auditor_reads_the_wards_figures_and_cannot_change_anything_there(client, ward):
    client.login(ward.auditor)

    page = client.get(f"/dashboard/?department_id={ward.dc.id}")

    assert page.status_code == 200 and 'id="on-time-departments-table"' in page.get_data(as_text=True)
    assert client.post("/dashboard/").status_code in (403, 405)


def test_another_wards_work_never_counts(db_session, app, ward):
    board = reports.build_dashboard(db_session, actor=ward.leader, settings=app.extensions["docflow.settings"],
                                    today=TODAY)

    # W1, the other ward's completed work in January, is not among the 8 (see test_figures)
    assert board.on_time.total.completed == 8


def test_an_unknown_department_code_on_the_command_line_is_not_found(db_session, ward):
    with pytest.raises(NotFoundError):
        reports.ward_scope(db_session, organisation_id=ward.org.id, department_code="NOPE")


def test_another_wards_department_code_on_the_command_line_is_not_found(db_session, ward):
    elsewhere = Department(organisation_id=ward.other_org.id, name="Tài chính", code="TC")
    db_session.add(elsewhere)
    db_session.flush()
    with pytest.raises(NotFoundError):
        reports.ward_scope(db_session, organisation_id=ward.org.id, department_code="TC")
    assert reports.ward_scope(db_session, organisation_id=ward.other_org.id, department_code="TC") is not None
