"""The province administrator (issue 16 §1): only an administrator marked as the province's lists and creates
wards; a ward's own administrator, and every other role, is refused (403) on the page and in the service; the
form needs its CSRF token; a ward made there gets its administrator, who manages that ward only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from docflow.errors import PermissionDeniedError, ValidationError
from docflow.models import Organisation, Role, User
from docflow.services import wards as ward_service
from tests.services.wards import conftest as ward_keys

# A ward made here leaves its key folder on disk; the autouse fixture removes it after each test.
_forget_ward_key_folders = ward_keys._forget_ward_key_folders

NEW = {"name": "UBND phường Vĩnh Yên", "code": "VYEN", "organ_id": "000.00.03.H99", "username": "vy.admin",
       "full_name": "Quản trị Vĩnh Yên", "password": "mot-mat-khau-dai", "confirm_password": "mot-mat-khau-dai"}


def _wards(db_session) -> int:
    return db_session.execute(select(func.count()).select_from(Organisation)).scalar_one()


@pytest.mark.parametrize("role", list(Role))
def test_no_ward_role_reaches_the_province_page(client, db_session, make_user, role):
    user = make_user(role)
    client.login(user)
    assert client.get("/province/wards").status_code == 403
    assert client.post("/province/wards", NEW).status_code == 403
    assert _wards(db_session) == 1


def test_a_ward_administrator_cannot_create_a_ward_in_the_service(db_session, make_user, signing_settings):
    admin = make_user(Role.ADMIN)
    with pytest.raises(PermissionDeniedError):
        ward_service.create_ward_with_admin(db_session, settings=signing_settings, actor=admin,
                                            data=ward_service.NewWard(**{
                                                "name": NEW["name"], "code": NEW["code"], "organ_id": "",
                                                "admin_username": "x.admin", "admin_full_name": "X",
                                                "admin_password": NEW["password"]}))
    with pytest.raises(PermissionDeniedError):
        ward_service.ward_overview(db_session, actor=admin)
    assert _wards(db_session) == 1


def test_the_province_administrator_creates_a_ward_whose_admin_manages_only_it(client, db_session, make_user,
                                                                               signing_settings):
    province = make_user(Role.ADMIN)
    ward_service.set_province_admin(db_session, username=province.username, granted=True)
    client.login(province)
    page = client.get("/province/wards")
    assert page.status_code == 200 and "Các phường/xã của tỉnh" in page.get_data(as_text=True)
    # without its CSRF token the form does nothing
    assert client.post("/province/wards", NEW, csrf=False).status_code == 400
    assert _wards(db_session) == 1
    created = client.post("/province/wards", NEW)
    assert created.status_code == 302
    ward = db_session.execute(select(Organisation).where(Organisation.code == "VYEN")).scalar_one()
    admin = db_session.execute(select(User).where(User.username == "vy.admin")).scalar_one()
    assert admin.organisation_id == ward.id and admin.role is Role.ADMIN and not admin.province_admin
    client.logout()
    client.login("vy.admin", NEW["password"])
    assert "vy.admin" in client.get("/admin/users").get_data(as_text=True)
    # the new ward's administrator is a ward administrator: no province page for him
    assert client.get("/province/wards").status_code == 403
    assert client.post("/province/wards", {**NEW, "code": "OTHER", "username": "o.admin"}).status_code == 403
    assert _wards(db_session) == 2


def test_only_an_administrator_of_the_first_ward_can_be_made_the_province_administrator(db_session, make_user):
    clerk = make_user(Role.CLERK)
    with pytest.raises(ValidationError):
        ward_service.set_province_admin(db_session, username=clerk.username, granted=True)
    assert not clerk.province_admin
