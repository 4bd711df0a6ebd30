"""Search finds only what the reader may view, snippets and exports included (issue 13 §1; R51, R53): a
confidential document, another department's, another ward's, and the thread of each; saved searches are
their owner's alone. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest

from docflow.models import Confidentiality, GrantReason, Organisation, Role, utc_now
from docflow.services.documents import DocumentFilters, ensure_grant
from docflow.services.search import save_search
from tests.security import test_confidentiality
from tests.services.search.helpers import assignment, contribution, found, opinion, search, with_pages

signed_in = test_confidentiality.signed_in     # a browser of its own for each user, signed in
SECRET_TEXT = "Phương án bồi thường giải phóng mặt bằng khu tái định cư"


@pytest.fixture
def ward(make_user, make_department) -> dict[str, Any]:
    land, culture = make_department("Địa chính", "DC"), make_department("Văn hóa", "VH")
    return {"leader": make_user(Role.LEADER, department=make_department("Lãnh đạo", "LD")),
            "head": make_user(Role.HEAD, department=land),
            "official": make_user(Role.OFFICIAL, department=land),
            "other_official": make_user(Role.OFFICIAL, department=culture),
            "auditor": make_user(Role.AUDITOR),
            "land": land, "culture": culture}


def test_R51_a_confidential_documents_pages_and_thread_are_found_only_by_those_cleared(
        db_session, ward, make_document):
    secret = with_pages(db_session, make_document(ward["official"], department=ward["land"],
                                                  confidentiality=Confidentiality.SECRET), SECRET_TEXT)
    other = make_document(ward["leader"], department=ward["land"], confidentiality=Confidentiality.SECRET,
                          summary="Hồ sơ mật")
    opinion(db_session, other, ward["leader"], SECRET_TEXT)
    contribution(db_session, assignment(db_session, other, ward["leader"], SECRET_TEXT), ward["leader"], SECRET_TEXT)
    assert found(db_session, ward["leader"], "giai phong mat bang") == {secret.id, other.id}
    assert found(db_session, ward["official"], "giai phong mat bang") == {secret.id}     # the uploader is cleared
    for reader in ("head", "other_official", "auditor"):
        assert found(db_session, ward[reader], "giai phong mat bang") == set(), reader
        assert found(db_session, ward[reader], '"Phương án bồi thường"') == set(), reader
    ensure_grant(db_session, other, ward["head"], GrantReason.CONFIDENTIAL_ACCESS, utc_now())
    assert found(db_session, ward["head"], "giai phong mat bang") == {other.id}


def test_R51_another_departments_document_is_not_found_by_its_text_or_opinions(db_session, ward, make_document):
    theirs = with_pages(db_session, make_document(ward["other_official"], department=ward["culture"]),
                        "Kế hoạch tổ chức lễ hội truyền thống")
    opinion(db_session, theirs, ward["other_official"], "Đề nghị bổ sung kinh phí lễ hội")
    assert found(db_session, ward["official"], "le hoi") == set()
    assert found(db_session, ward["official"], "kinh phi") == set()
    assert found(db_session, ward["other_official"], "le hoi") == {theirs.id}
    assert found(db_session, ward["leader"], "kinh phi le hoi") == {theirs.id}


def test_R51_another_wards_documents_are_never_found(db_session, ward, make_document):
    theirs = with_pages(db_session, make_document(ward["leader"]), "Quy hoạch sử dụng đất phường bên cạnh")
    opinion(db_session, theirs, ward["leader"], "Quy hoạch sử dụng đất đã duyệt")
    other_ward = Organisation(name="UBND phường Khác", code="KHAC")
    db_session.add(other_ward)
    db_session.flush()
    theirs.organisation_id = other_ward.id
    db_session.flush()
    for reader in ("leader", "auditor", "official"):
        assert found(db_session, ward[reader], "quy hoach su dung dat") == set(), reader


def test_R51_the_search_page_and_its_exports_leave_out_what_the_reader_may_not_view(
        db_session, ward, make_document, signed_in):
    mine = with_pages(db_session, make_document(ward["official"], department=ward["land"], summary="Công văn thường"),
                      "Đo đạc địa chính thửa đất số 12")
    secret = with_pages(db_session, make_document(ward["leader"], department=ward["land"], summary="Hồ sơ mật",
                                                  confidentiality=Confidentiality.SECRET),
                        "Đo đạc địa chính thửa đất bí mật")
    client = signed_in(ward["official"])
    page = client.get("/search/?q=do+dac+dia+chinh").get_data(as_text=True)
    assert f'data-document-id="{mine.id}"' in page
    assert f'data-document-id="{secret.id}"' not in page and "bí mật" not in page and "Hồ sơ mật" not in page
    exported = client.get("/search/export.csv?q=do+dac+dia+chinh").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert [row[-1] for row in rows[1:]] == [str(mine.id)]
    assert "bí mật" not in exported
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/search/export.xlsx?q=do+dac+dia+chinh").data)).active
    assert [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [mine.id]
    assert len(search(db_session, ward["leader"], "do dac dia chinh").hits) == 2


def test_R53_a_saved_search_is_its_owners_alone(db_session, ward, signed_in):
    saved = save_search(db_session, actor=ward["official"], name="Đất đai của tôi",
                        filters=DocumentFilters(q="dat dai"))
    intruder = signed_in(ward["other_official"])
    assert "Đất đai của tôi" not in intruder.get("/search/").get_data(as_text=True)
    assert intruder.get(f"/search/saved/{saved.id}").status_code == 404
    assert intruder.post(f"/search/saved/{saved.id}/delete").status_code == 404
    leader = signed_in(ward["leader"])
    assert leader.get(f"/search/saved/{saved.id}").status_code == 404
    owner = signed_in(ward["official"])
    assert "Đất đai của tôi" in owner.get("/search/").get_data(as_text=True)


def test_the_search_forms_need_the_csrf_token(db_session, ward, signed_in):
    saved = save_search(db_session, actor=ward["official"], name="Của tôi", filters=DocumentFilters(q="dat"))
    owner = signed_in(ward["official"])
    assert owner.post("/search/saved", {"name": "x", "q": "dat"}, csrf=False).status_code == 400
    assert owner.post(f"/search/saved/{saved.id}/delete", csrf=False).status_code == 400
