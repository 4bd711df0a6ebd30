"""Accounts and sign-in: argon2 hashes, admin-only changes, throttling, inactive users."""

from __future__ import annotations

from datetime import timedelta

import pytest

from docflow.errors import ConflictError, PermissionDeniedError, ValidationError
from docflow.models import Role, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.people import SignInOutcome, sign_in
from docflow.services.people import UserInput, change_password, create_user, set_user_active, update_user
from tests.conftest import PASSWORD


def _actions(db_session, object_id) -> list[str]:
    return [e.action for e in audit.events_for(db_session, object_type="user", object_id=object_id)]


def test_admin_creates_a_user_with_an_argon2_hash_and_an_audit_event(db_session, org, make_user, make_department):
    admin = make_user(Role.ADMIN)
    dept = make_department()
    user = create_user(db_session, actor=admin, organisation=org, password="mật khẩu dài 123",
                       data=UserInput(username="nguyenvana", full_name="Nguyễn Văn A", role=Role.OFFICIAL,
                                      post="Chuyên viên", department_id=dept.id))
    assert user.password_hash.startswith("$argon2id$")
    assert "mật khẩu" not in user.password_hash
    events = audit.events_for(db_session, object_type="user", object_id=user.id)
    assert [e.action for e in events] == [AuditAction.USER_CREATED]
    assert "password" not in str(events[0].details).lower()


def test_only_an_admin_creates_users(db_session, org, make_user):
    clerk = make_user(Role.CLERK)
    with pytest.raises(PermissionDeniedError):
        create_user(db_session, actor=clerk, organisation=org, password="x" * 12,
                    data=UserInput(username="someone", full_name="Ai đó", role=Role.AUDITOR))


def test_usernames_are_unique_regardless_of_case(db_session, org, make_user):
    make_user(Role.AUDITOR, username="thanhtra")
    with pytest.raises(ConflictError):
        create_user(db_session, actor=None, organisation=org, password="mot-mat-khau-dai",
                    data=UserInput(username="ThanhTra", full_name="Trùng tên", role=Role.AUDITOR))


def test_short_passwords_and_officials_without_department_are_refused(db_session, org):
    with pytest.raises(ValidationError) as exc:
        create_user(db_session, actor=None, organisation=org, password="short",
                    data=UserInput(username="a1", full_name="A", role=Role.AUDITOR))
    assert exc.value.field == "password"
    with pytest.raises(ValidationError) as exc:
        create_user(db_session, actor=None, organisation=org, password="x" * 12,
                    data=UserInput(username="a2", full_name="A", role=Role.OFFICIAL))
    assert exc.value.field == "department_id"


def test_role_change_is_audited_with_before_and_after(db_session, make_user):
    admin, user = make_user(Role.ADMIN), make_user(Role.OFFICIAL)
    update_user(db_session, actor=admin, user_id=user.id, role=Role.HEAD, post="Trưởng bộ phận",
                department_id=user.department_id, full_name=user.full_name)
    event = audit.events_for(db_session, object_type="user", object_id=user.id)[-1]
    assert event.action == AuditAction.USER_UPDATED
    assert event.details["changes"]["role"] == {"from": "official", "to": "head"}


def test_sign_in_succeeds_and_is_audited(db_session, make_user):
    user = make_user(Role.CLERK)
    result = sign_in(db_session, username=user.username.upper(), password=PASSWORD)
    assert result.outcome is SignInOutcome.OK and result.user is user
    assert _actions(db_session, user.id)[-1] == AuditAction.USER_SIGNED_IN


def test_wrong_password_is_refused_and_audited(db_session, make_user):
    user = make_user(Role.CLERK)
    result = sign_in(db_session, username=user.username, password="wrong")
    assert result.outcome is SignInOutcome.BAD_CREDENTIALS
    assert _actions(db_session, user.id)[-1] == AuditAction.USER_SIGN_IN_FAILED


def test_an_inactive_user_cannot_sign_in_even_with_the_right_password(db_session, make_user):
    user = make_user(Role.CLERK, active=False)
    result = sign_in(db_session, username=user.username, password=PASSWORD)
    assert result.outcome is SignInOutcome.BAD_CREDENTIALS and result.user is None


def test_repeated_failures_delay_the_account_and_the_right_password_works_after_the_wait(db_session, make_user):
    user = make_user(Role.CLERK)
    now = utc_now()
    for i in range(5):
        result = sign_in(db_session, username=user.username, password=f"wrong{i}", now=now)
    assert result.outcome is SignInOutcome.DELAYED and result.retry_at == now + timedelta(seconds=30)
    inside = sign_in(db_session, username=user.username, password=PASSWORD, now=now + timedelta(seconds=10))
    assert inside.outcome is SignInOutcome.DELAYED
    later = sign_in(db_session, username=user.username, password=PASSWORD, now=now + timedelta(seconds=31))
    assert later.outcome is SignInOutcome.OK


def test_change_password_needs_the_current_one(db_session, make_user):
    user = make_user(Role.OFFICIAL)
    with pytest.raises(ValidationError):
        change_password(db_session, actor=user, current_password="nope", new_password="a-new-password")
    old_stamp = user.session_stamp
    change_password(db_session, actor=user, current_password=PASSWORD, new_password="a-new-password",
                    now=utc_now() + timedelta(seconds=2))
    assert user.session_stamp != old_stamp
    assert sign_in(db_session, username=user.username, password="a-new-password").outcome is SignInOutcome.OK


def test_deactivation_is_audited_and_an_admin_cannot_deactivate_themself(db_session, make_user):
    admin, user = make_user(Role.ADMIN), make_user(Role.OFFICIAL)
    set_user_active(db_session, actor=admin, user_id=user.id, active=False)
    assert not user.is_active
    assert _actions(db_session, user.id)[-1] == AuditAction.USER_DEACTIVATED
    with pytest.raises(ValidationError):
        set_user_active(db_session, actor=admin, user_id=admin.id, active=False)
