"""Refusals around the format-check policy: only the ward's administrator changes it (service and screen),
never without the CSRF token, and a change touches its own ward's settings only."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.errors import PermissionDeniedError, ValidationError
from docflow.formatcheck import BLOCKING_BY_DEFAULT
from docflow.models import FormatCheckSetting, Organisation, Role, User
from docflow.services import formatcheck as format_service
from docflow.services.formatcheck.settings import restore_defaults


@pytest.fixture
def other_ward(db_session: Session) -> Organisation:
    other = Organisation(name="UBND phường Bên Cạnh", code="BC")
    db_session.add(other)
    db_session.flush()
    return other


def _levels(db_session: Session, organisation_id: int) -> dict[str, bool]:
    return {row.code: row.is_blocking for row in db_session.execute(
        select(FormatCheckSetting).where(FormatCheckSetting.organisation_id == organisation_id)).scalars()}


@pytest.mark.parametrize("role", [Role.LEADER, Role.HEAD, Role.CLERK, Role.OFFICIAL, Role.AUDITOR])
def test_r32_only_the_administrator_changes_the_format_check_policy(db_session: Session, make_user: Any, org: Any,
                                                                    role: Role) -> None:
    restore_defaults(db_session, organisation_id=org.id)
    with pytest.raises(PermissionDeniedError):
        format_service.set_blocking_codes(db_session, actor=make_user(role), blocking=[])
    assert format_service.blocking_codes(db_session, org.id) == frozenset(BLOCKING_BY_DEFAULT)


def test_r32_a_non_admin_cannot_post_the_policy_screen(client: Any, make_user: Any, db_session: Session,
                                                       org: Any) -> None:
    restore_defaults(db_session, organisation_id=org.id)
    client.login(make_user(Role.LEADER))
    assert client.get("/admin/format-checks").status_code == 403
    assert client.post("/admin/format-checks", {"level_number_line": "warn"}).status_code == 403
    db_session.expire_all()
    assert "number_line" in format_service.blocking_codes(db_session, org.id)


def test_r32_the_policy_screen_refuses_a_post_without_its_csrf_token(client: Any, make_user: Any,
                                                                     db_session: Session, org: Any) -> None:
    restore_defaults(db_session, organisation_id=org.id)
    client.login(make_user(Role.ADMIN))
    assert client.post("/admin/format-checks", {"level_number_line": "warn"}, csrf=False).status_code == 400
    db_session.expire_all()
    assert "number_line" in format_service.blocking_codes(db_session, org.id)


def test_r32_a_change_touches_only_the_administrators_own_ward(db_session: Session, make_user: Any, org: Any,
                                                               other_ward: Organisation) -> None:
    restore_defaults(db_session, organisation_id=org.id)
    outsider_admin = User(organisation=other_ward, username="admin-bc", full_name="Quản trị Bên Cạnh",
                          role=Role.ADMIN, post="", password_hash="x", is_active=True)
    db_session.add(outsider_admin)
    db_session.flush()
    format_service.set_blocking_codes(db_session, actor=outsider_admin, blocking=["number_line"])
    assert format_service.blocking_codes(db_session, other_ward.id) == frozenset({"number_line"})
    assert _levels(db_session, org.id) == {}
    assert format_service.blocking_codes(db_session, org.id) == frozenset(BLOCKING_BY_DEFAULT)
    format_service.set_blocking_codes(db_session, actor=make_user(Role.ADMIN), blocking=[])
    assert format_service.blocking_codes(db_session, other_ward.id) == frozenset({"number_line"})


def test_r32_an_unknown_check_is_refused(db_session: Session, make_user: Any) -> None:
    with pytest.raises(ValidationError):
        format_service.set_blocking_codes(db_session, actor=make_user(Role.ADMIN), blocking=["number_line", "x"])
