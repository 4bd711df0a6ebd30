"""The password rules: what a guesser tries early is refused, ordinary long passwords are not."""

from __future__ import annotations

import pytest

from docflow.errors import ValidationError
from docflow.services.demo import DEMO_PASSWORD
from docflow.services.people import check_password, common_passwords
from tests.conftest import PASSWORD

WARD = "UBND phường Tích Sơn"


@pytest.mark.parametrize("password", [DEMO_PASSWORD, PASSWORD, "mat-khau-dai-du", "mật khẩu dài 123",
                                      "Another-clerk-2026", "a-new-password"])
def test_the_documented_and_ordinary_passwords_are_accepted(password):
    check_password(password, username="vanthu", full_name="Nguyễn Thị Hoa", organisation_name=WARD)


@pytest.mark.parametrize("password,words", [
    ("short", "at least"),
    ("0912345678", "letters"),
    ("10/02/1985-ab", "letters"),
    ("xxxxxxxxxxxx", "repeated"),
    ("abcabcabcabc", "repeated"),
    ("qwertyuiop12", "run of keys"),
    ("1qaz2wsx3edc", "run of keys"),
    ("asdf1234qwer", "run of keys"),
    ("987654321zyxw", "run of keys"),
    ("Password2026!", "too common"),
    ("p@ssw0rd2026", "too common"),
    ("Summer-2026!!", "too common"),
    ("matkhau@2026", "too common"),
    ("mat khau 2026", "too common"),
    ("2026anhyeuem", "too common"),
    ("chutich@2026", "too common"),
])
def test_common_and_patterned_passwords_are_refused_with_the_reason(password, words):
    with pytest.raises(ValidationError) as refused:
        check_password(password, username="vanthu", full_name="Nguyễn Thị Hoa", organisation_name=WARD)
    assert refused.value.field == "password" and words in refused.value.message


@pytest.mark.parametrize("password,words", [
    ("VanThu-phong-2026", "username"),
    ("hoa-nguyen-thi-9", "your name"),
    ("NguyenThiHoa!", "your name"),
    ("Phuong-Tich-Son-1", "ward"),
])
def test_passwords_built_from_the_holder_or_the_ward_are_refused(password, words):
    with pytest.raises(ValidationError) as refused:
        check_password(password, username="vanthu", full_name="Nguyễn Thị Hoa", organisation_name=WARD)
    assert words in refused.value.message


def test_short_given_names_do_not_refuse_ordinary_words():
    # "Hoa" is inside "hoa-hong" (a rose); refusing it would refuse half the language.
    check_password("vuon-hoa-hong-nha-em", username="vanthu", full_name="Nguyễn Thị Hoa", organisation_name=WARD)


def test_the_bundled_list_is_loaded_and_lower_case():
    listed = common_passwords()
    assert len(listed) > 5000 and {"password", "123456", "matkhau", "anhyeuem"} <= listed
    assert all(p == p.lower() and not p.startswith("#") for p in listed)
