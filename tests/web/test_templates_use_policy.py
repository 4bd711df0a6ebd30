"""Templates ask the policy's answers (``perms``, a page's ``may``), never the user's role: a role test in a
template is a permission rule the services do not know about, and the page and the service drift apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from docflow.models import Role

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
ROLE_VALUES = "|".join(r.value for r in Role)
ROLE_NAMES = "|".join(r.name for r in Role)
FORBIDDEN = {
    "the signed-in user's role": re.compile(r"current_user\s*\.\s*role\b"),
    "a role by name": re.compile(rf"\bRole\s*\.\s*({ROLE_NAMES})\b"),
    "a role by value": re.compile(rf"""['"]({ROLE_VALUES})['"]"""),
    "a role attribute": re.compile(r"\.\s*(is_read_only|sees_everything|is_(?:{})\b)".format(ROLE_VALUES)),
}


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def _offences(text: str) -> list[str]:
    return [f"{what}: {m.group(0)!r}" for what, pattern in FORBIDDEN.items() for m in pattern.finditer(text)]


def test_there_are_templates_to_check():
    assert len(_templates()) > 20


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_a_template_never_tests_a_role(path: Path):
    assert _offences(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("snippet", [
    "{% if current_user.role == Role.CLERK %}",
    "{% if current_user . role in roles %}",
    "{% if user_role is Role.ADMIN %}",
    "{% if u.role.value == 'auditor' %}",
    "{% if current_user.is_read_only %}",
    "{% if current_user.sees_everything %}",
    "{% if current_user.is_leader %}",
])
def test_the_check_sees_every_form_of_a_role_test(snippet: str):
    assert _offences(snippet)


@pytest.mark.parametrize("snippet", [
    "{% if perms.administer %}",
    "{{ perms.role|label }}",
    "{% for r in Role %}<option value=\"{{ r.value }}\">{{ r|label }}</option>{% endfor %}",
    "{% if a.role.value == 'lead' %}",
    "{{ current_user.full_name }}",
    "{% if may.sign %}",
])
def test_showing_a_role_or_an_assignment_role_is_not_a_role_test(snippet: str):
    assert _offences(snippet) == []
