"""The policy answers added when the views stopped testing roles: pinned to the role tests they replaced."""

from __future__ import annotations

import pytest

from docflow import policy
from docflow.models import Role, User


def _user(role: Role, *, active: bool = True) -> User:
    return User(id=1, organisation_id=1, department_id=1, role=role, is_active=active, username="u",
                full_name="x", password_hash="x")


@pytest.mark.parametrize("role", list(Role))
def test_only_auditors_are_kept_from_changing_anything(role: Role):
    assert policy.may_change_anything(_user(role)) is (role is not Role.AUDITOR)
    assert policy.may_change_anything(_user(role, active=False)) is False
