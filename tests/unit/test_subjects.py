"""Certificate subjects read as a person's name and post, from both forms docflow keeps them in."""

from __future__ import annotations

import pytest

from docflow.signing.subjects import parse_subject


@pytest.mark.parametrize("subject", [
    "User ID: chutich, Common Name: Trần Văn Minh, Title: Chủ tịch, Organization: UBND phường Tích Sơn, Country: VN",
    "UID=chutich,title=Chủ tịch,CN=Trần Văn Minh,O=UBND phường Tích Sơn,C=VN",
])
def test_a_personal_certificate_reads_as_name_post_and_ward(subject):
    parsed = parse_subject(subject)
    assert parsed.readable == "Trần Văn Minh — Chủ tịch UBND phường Tích Sơn"
    assert (parsed.user_id, parsed.full) == ("chutich", subject)


def test_the_wards_own_certificate_and_escaped_commas():
    assert parse_subject("UID=organisation,CN=UBND phường Tích Sơn,O=UBND phường Tích Sơn,C=VN").readable == \
        "UBND phường Tích Sơn"
    # asn1crypto separates with "; " when a value holds a comma; RFC 4514 escapes it
    assert parse_subject("User ID: system; Common Name: Hệ thống; Organization: UBND, phường X; Country: VN"
                         ).readable == "Hệ thống — UBND, phường X"
    assert parse_subject(r"CN=Lê Văn A,OU=Phó Chủ tịch,O=UBND\, phường Y").readable == \
        "Lê Văn A — Phó Chủ tịch UBND, phường Y"


def test_anything_else_is_shown_as_given():
    assert parse_subject("Trần Văn Minh").readable == "Trần Văn Minh"
    assert parse_subject("").readable == ""
