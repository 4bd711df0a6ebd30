"""The document-level search index (migration 0023): one row per document, kept after each flush that writes
one of its texts, from which a search takes its candidates; quoted phrases checked on candidates in batches.
Runs on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from docflow.models import Role, SearchText
from docflow.services.search import searching
from docflow.services.textindex import index_version
from tests.services.search.helpers import assignment, contribution, found, opinion, with_pages


@pytest.fixture
def leader(make_user, make_department):
    return make_user(Role.LEADER, full_name="Trần Văn Chủ", department=make_department("Lãnh đạo", "LD"))


def _indexed(db_session, document) -> str:
    return db_session.execute(select(SearchText.folded).where(SearchText.document_id == document.id)).scalar_one()


def test_R53_a_documents_index_row_follows_each_text_written(db_session, leader, make_user, make_document):
    document = make_document(leader, summary="Công văn về phòng cháy")
    assert "phong chay" in _indexed(db_session, document)
    with_pages(db_session, document, "Trang có chữ ĐẤT ĐAI")
    work = assignment(db_session, document, leader, "Giao bộ phận Địa chính")
    opinion(db_session, document, leader, "Ý kiến về hộ tịch")
    contribution(db_session, work, make_user(Role.OFFICIAL), "Góp ý về ngân sách")
    text = _indexed(db_session, document)
    assert all(words in text for words in ("dat dai", "dia chinh", "ho tich", "ngan sach"))
    with_pages(db_session, document, "Trang đọc lại bằng OCR")
    assert "dat dai" not in _indexed(db_session, document)
    assert found(db_session, leader, "dat dai") == set()
    assert found(db_session, leader, "ngan sach ho tich ocr") == {document.id}


def test_R53_a_quoted_phrase_does_not_run_from_one_text_into_the_next(db_session, leader, make_document):
    document = with_pages(db_session, make_document(leader), "Biên bản kiểm tra", "thực địa tại tổ dân phố")
    assert found(db_session, leader, "kiểm tra thực địa") == {document.id}
    assert found(db_session, leader, '"kiểm tra thực địa"') == set()


def test_R53_quoted_phrase_candidates_are_checked_newest_first_until_the_page_is_full(
        db_session, leader, make_document, monkeypatch):
    right = with_pages(db_session, make_document(leader), "Đã kiểm tra thực địa hiện trạng")
    for _ in range(3):      # newer documents with the words but OCR's wrong diacritics
        with_pages(db_session, make_document(leader), "Đã kiểm tra thưc đìa hiện trạng")
    monkeypatch.setattr(searching, "PHRASE_BATCH", 1)
    assert found(db_session, leader, '"kiểm tra thực địa"') == {right.id}
    monkeypatch.setattr(searching, "PHRASE_CANDIDATES", 3)     # the bound: older candidates are not read
    assert found(db_session, leader, '"kiểm tra thực địa"') == set()


def test_R53_an_upload_rebuilds_its_documents_row_once_and_drops_pages_no_longer_there(
        db_session, leader, make_document):
    document = with_pages(db_session, make_document(leader), "Trang một", "Trang hai ĐẤT ĐAI")
    version = document.versions[-1]
    version.page_count = 1
    index_version(db_session, version=version, texts=["Trang một về phòng cháy"])
    assert found(db_session, leader, "phong chay") == {document.id}
    assert found(db_session, leader, "dat dai") == set()
