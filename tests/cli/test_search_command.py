"""`docflow search QUERY --user NAME [--json]`, run in-process on the test database."""

from __future__ import annotations

import json

import pytest

from docflow.commands.search import search
from docflow.models import Confidentiality, Role
from tests.cli.inprocess import in_process
from tests.services.search.helpers import opinion, with_pages


@pytest.fixture
def invoke(app, db_session):
    return in_process(app, search)


@pytest.fixture
def people(make_user, make_department):
    return {"leader": make_user(Role.LEADER, username="chutich", department=make_department("Lãnh đạo", "LD")),
            "official": make_user(Role.OFFICIAL, username="chuyenvien", department=make_department("Địa chính", "DC"))}


def test_R53_the_search_command_prints_json_hits_as_the_user_sees_them(invoke, db_session, people, make_document):
    leader = people["leader"]
    open_doc = with_pages(db_session, make_document(leader, number_symbol="07/UBND-VP", summary="Về việc đất đai"),
                          "Trang một", "Kiểm tra <b>thực địa</b> khu đất")
    secret = with_pages(db_session, make_document(leader, confidentiality=Confidentiality.SECRET),
                        "Kiểm tra thực địa bí mật")
    result = invoke("kiem tra thuc dia", "--user", "chutich", "--json")
    assert result.exit_code == 0, result.output
    hits = {hit["document_id"]: hit for hit in json.loads(result.output)}
    assert set(hits) == {open_doc.id, secret.id}
    assert set(hits[open_doc.id]) == {"document_id", "number", "summary", "page", "snippet"}
    assert hits[open_doc.id]["number"] == "07/UBND-VP"
    assert hits[open_doc.id]["summary"] == "Về việc đất đai"
    assert hits[open_doc.id]["page"] == 2
    assert "Kiểm tra <b>thực địa</b> khu đất" in hits[open_doc.id]["snippet"]     # plain text, as read


def test_R53_the_search_command_exits_1_without_hits_and_never_shows_what_the_user_may_not_view(
        invoke, db_session, people, make_document):
    secret = with_pages(db_session, make_document(people["leader"], confidentiality=Confidentiality.SECRET),
                        "Phương án giải phóng mặt bằng")
    opinion(db_session, secret, people["leader"], "Giữ kín phương án giải phóng mặt bằng")
    result = invoke("giai phong mat bang", "--user", "chuyenvien", "--json")
    assert result.exit_code == 1
    assert json.loads(result.output) == []
    plain = invoke("giai phong mat bang", "--user", "chuyenvien")
    assert plain.exit_code == 1 and "Giữ kín" not in plain.output


def test_the_search_command_prints_lines_and_refuses_an_unknown_user(invoke, db_session, people, make_document):
    document = with_pages(db_session, make_document(people["official"]), "Báo cáo ngân sách")
    result = invoke("ngan sach", "--user", "chuyenvien")
    assert result.exit_code == 0
    assert f"#{document.id}" in result.output and "(trang 1)" in result.output
    unknown = invoke("ngan sach", "--user", "nobody")
    assert unknown.exit_code == 1 and "no active user named nobody" in unknown.output


def test_the_search_command_refuses_a_deactivated_user_and_finds_nothing_as_them(invoke, db_session, people,
                                                                                 make_document):
    with_pages(db_session, make_document(people["official"]), "Báo cáo ngân sách")
    people["official"].is_active = False
    db_session.flush()
    refused = invoke("ngan sach", "--user", "chuyenvien")
    assert refused.exit_code == 1 and "no active user named chuyenvien" in refused.output
    assert "ngân sách" not in refused.output.lower()
