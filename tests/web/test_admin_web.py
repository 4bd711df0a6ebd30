"""Administration screens: admins only, create and deactivate accounts, departments, audit page."""

from __future__ import annotations

from docflow.models import Role, User


def test_non_admins_get_403_on_admin_screens_and_actions(client, make_user, db_session):
    target = make_user(Role.OFFICIAL)
    client.login(make_user(Role.LEADER))
    assert client.get("/admin/users").status_code == 403
    assert client.post(f"/admin/users/{target.id}/active", {"active": "0"}).status_code == 403
    db_session.expire_all()
    assert target.is_active


def test_admin_creates_and_deactivates_a_user(client, make_user, db_session, make_department):
    dept = make_department()
    client.login(make_user(Role.ADMIN))
    response = client.post("/admin/users", {"username": "tranvanb", "full_name": "Trần Văn B", "role": "official",
                                            "post": "Công chức", "department_id": str(dept.id),
                                            "password": "mat-khau-dai-du", "confirm_password": "mat-khau-dai-du"})
    assert response.status_code == 302
    user = db_session.query(User).filter_by(username="tranvanb").one()
    assert user.department_id == dept.id and user.role is Role.OFFICIAL
    client.post(f"/admin/users/{user.id}/active", {"active": "0"})
    db_session.expire_all()
    assert not user.is_active


def test_creating_a_duplicate_user_shows_the_form_again(client, make_user):
    existing = make_user(Role.AUDITOR)
    client.login(make_user(Role.ADMIN))
    response = client.post("/admin/users", {"username": existing.username, "full_name": "X", "role": "auditor",
                                            "password": "mat-khau-dai-du", "confirm_password": "mat-khau-dai-du"})
    assert response.status_code == 409
    assert existing.username in response.get_data(as_text=True)


def test_admin_changes_a_role_and_creates_a_department(client, make_user, db_session):
    user = make_user(Role.OFFICIAL)
    client.login(make_user(Role.ADMIN))
    response = client.post(f"/admin/users/{user.id}", {"role": "head", "post": "Trưởng bộ phận",
                                                       "department_id": str(user.department_id),
                                                       "full_name": user.full_name})
    db_session.expire_all()
    assert response.status_code == 302 and user.role is Role.HEAD
    assert client.post("/admin/departments", {"name": "Công an", "code": "CA"}).status_code == 302
    assert "Công an" in client.get("/admin/departments").get_data(as_text=True)


def test_auditors_see_the_audit_log_and_can_verify_it(client, make_user):
    client.login(make_user(Role.AUDITOR))
    page = client.get("/audit/")
    assert page.status_code == 200 and "user.signed_in" in page.get_data(as_text=True)
    report = client.post("/audit/verify")
    assert report.status_code == 200 and 'data-testid="chain-report"' in report.get_data(as_text=True)
    assert "alert-success" in report.get_data(as_text=True)


def test_officials_cannot_open_the_audit_log(client, make_user):
    client.login(make_user(Role.OFFICIAL))
    assert client.get("/audit/").status_code == 403


def test_every_role_has_a_home_page_with_empty_states(client, make_user, app):
    from tests.conftest import WebClient
    for role in Role:
        c = WebClient(app.test_client())
        c.login(make_user(role))
        html = c.get("/").get_data(as_text=True)
        assert 'data-testid="home-section"' in html, role
        assert "empty-state" in html, role
