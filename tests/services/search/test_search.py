"""Full-text search (issue 13 §1, R53): one set of tests that runs on SQLite (FTS5) and on PostgreSQL
(tsvector): the same hits on both."""

from __future__ import annotations

import pytest

from docflow.models import DocumentKind, OpinionKind, Role, TextSource
from docflow.services.search import hits_for, parse_query, plain
from tests.services.search.helpers import assignment, contribution, found, opinion, search, with_pages

LAND = "Về việc kiểm tra thực địa ĐẤT ĐAI tại tổ dân phố 3"
BUDGET = "Báo cáo tình hình thực hiện dự toán ngân sách năm 2026"


@pytest.fixture
def leader(make_user, make_department):
    return make_user(Role.LEADER, full_name="Trần Văn Chủ", department=make_department("Lãnh đạo", "LD"))


@pytest.fixture
def land(db_session, leader, make_document):
    document = make_document(leader, summary="Công văn gửi các tổ dân phố")
    return with_pages(db_session, document, BUDGET, LAND)


def test_R53_unquoted_words_ignore_accents_and_case(db_session, leader, land):
    for q in ("dat dai", "đất đai", "ĐẤT ĐAI", "Dat Dai"):
        assert found(db_session, leader, q) == {land.id}, q
    hit = search(db_session, leader, "dat dai").hits[0]
    assert hit.page == 2
    assert [text for text, marked in hit.snippet if marked] == ["ĐẤT", "ĐAI"]


def test_R53_ocr_text_with_wrong_diacritics_is_found_by_its_words_not_by_the_exact_phrase(
        db_session, leader, land, make_document):
    scanned = with_pages(db_session, make_document(leader), "Biên bản kiểm tra thưc đìa hiện trạng",
                         source=TextSource.OCR)
    assert found(db_session, leader, "kiểm tra thực địa") == {land.id, scanned.id}
    assert found(db_session, leader, '"kiểm tra thực địa"') == {land.id}
    assert found(db_session, leader, '"Kiểm tra thực địa"') == {land.id}


def test_R53_a_quoted_phrase_needs_its_words_in_a_row(db_session, leader, land):
    assert found(db_session, leader, '"thực địa đất đai"') == set()      # ĐẤT ĐAI is in capitals
    assert found(db_session, leader, '"THỰC ĐỊA ĐẤT ĐAI"') == set()
    assert found(db_session, leader, '"tổ dân phố 3"') == {land.id}
    assert found(db_session, leader, '"dân tổ phố"') == set()


def test_R53_words_are_anded_across_the_documents_texts(db_session, leader, land):
    assert found(db_session, leader, "ngân sách đất đai") == {land.id}          # page 1 and page 2
    assert found(db_session, leader, "ngân sách công văn") == {land.id}         # a page and the trích yếu
    assert found(db_session, leader, "ngân sách hộ tịch") == set()


def test_R53_a_word_is_a_whole_word_not_a_part_of_one(db_session, leader, land):
    assert found(db_session, leader, "thuc") == {land.id}
    assert found(db_session, leader, "hie") == set()          # not a part of "thực hiện"
    assert found(db_session, leader, "202") == set()


def test_R53_the_number_and_symbol_and_issuing_body_are_searched(db_session, leader, make_document):
    document = make_document(leader, number_symbol="15/QĐ-UBND", issuing_body="UBND quận Hoàn Kiếm")
    assert found(db_session, leader, "15/QĐ-UBND") == {document.id}
    assert found(db_session, leader, "qd ubnd 15") == {document.id}
    assert found(db_session, leader, "hoan kiem") == {document.id}


def test_R53_opinions_instructions_comments_and_contributions_are_searched(db_session, leader, make_user,
                                                                           make_document):
    handler = make_user(Role.OFFICIAL, full_name="Lê Thị Hoa")
    documents = [make_document(leader, summary=f"Văn bản {n}") for n in range(4)]
    opinion(db_session, documents[0], handler, "Đề nghị kiểm tra thực địa trước khi trả lời")
    work = assignment(db_session, documents[1], leader, "Phối hợp kiểm tra thực địa, báo cáo trước ngày 15")
    contribution(db_session, assignment(db_session, documents[2], leader, "Xử lý"), handler,
                 "Đã kiểm tra thực địa cùng tổ dân phố")
    opinion(db_session, documents[3], handler, "Sửa lại câu kiểm tra thực địa", kind=OpinionKind.COMMENT)
    assert found(db_session, leader, '"kiểm tra thực địa"') == {d.id for d in documents}
    hits = {hit.document.id: hit for hit in search(db_session, leader, "kiem tra thuc dia").hits}
    assert (hits[documents[0].id].where.kind, hits[documents[0].id].where.author) == ("opinion", "Lê Thị Hoa")
    assert (hits[documents[1].id].where.kind, hits[documents[1].id].where.author) == ("instruction", "Trần Văn Chủ")
    assert hits[documents[2].id].where.kind == "contribution"
    assert hits[documents[3].id].where.kind == "comment"
    assert hits[documents[0].id].page is None
    assert work.instruction_folded == "phoi hop kiem tra thuc dia, bao cao truoc ngay 15"


def test_R53_filters_combine_with_the_text(db_session, leader, land, make_document):
    outgoing = with_pages(db_session, make_document(leader, kind=DocumentKind.OUTGOING), LAND)
    assert found(db_session, leader, "dat dai") == {land.id, outgoing.id}
    assert found(db_session, leader, "dat dai", kind=DocumentKind.OUTGOING) == {outgoing.id}
    assert found(db_session, leader, "dat dai", kind=DocumentKind.INCOMING) == {land.id}
    assert found(db_session, leader, "dat dai", doc_type="quyet_dinh") == set()


def test_R53_documents_whose_own_metadata_has_the_words_come_first(db_session, leader, land, make_document):
    titled = make_document(leader, summary="Về việc giao đất đai cho hộ gia đình")
    later = with_pages(db_session, make_document(leader, summary="Thông báo"), LAND)
    ranked = [hit.document.id for hit in search(db_session, leader, "dat dai").hits]
    assert ranked[0] == titled.id
    assert set(ranked[1:]) == {land.id, later.id}


def test_R53_a_page_replaced_by_ocr_is_found_by_its_new_text_only(db_session, leader, land):
    with_pages(db_session, land, "Kế hoạch phòng cháy chữa cháy")
    assert found(db_session, leader, "phong chay") == {land.id}
    assert found(db_session, leader, "ngan sach") == set()


def test_R53_the_snippet_keeps_markup_from_the_pdf_as_text(db_session, leader, make_document):
    document = with_pages(db_session, make_document(leader), '<script>alert("x")</script> giấy phép xây dựng')
    hit = search(db_session, leader, "giay phep").hits[0]
    assert hit.document.id == document.id
    assert "<script>" in plain(hit.snippet)


def test_R53_an_empty_or_punctuation_only_query_finds_nothing(db_session, leader, land):
    assert found(db_session, leader, "") == set()
    assert found(db_session, leader, ' "" ; -- ') == set()
    assert not parse_query('"   "')


def test_R53_search_text_is_not_a_query_language(db_session, leader, land):
    for q in ('dat OR dai', 'dat* NEAR(dai)', "dat') OR 1=1 --", 'dat & dai | !x', '"dat'):
        assert found(db_session, leader, q) in (set(), {land.id})
    assert found(db_session, leader, "đất OR ngân") == set()      # "or" is a word to find, not an operator


def test_hits_for_gives_each_document_its_best_page(db_session, leader, land):
    [hit] = hits_for(db_session, [land], parse_query("ngan sach"))
    assert hit.page == 1


def test_a_quoted_phrase_reads_each_hits_texts_once(db_session, leader, land, make_document, monkeypatch):
    from docflow.services.search import searching

    other = with_pages(db_session, make_document(leader), "Biên bản kiểm tra thực địa hiện trạng")
    read: list[int] = []
    real = searching.units_of

    def counting(session, documents):
        read.extend(d.id for d in documents)
        return real(session, documents)

    monkeypatch.setattr(searching, "units_of", counting)
    results = search(db_session, leader, '"kiểm tra thực địa"')
    assert {h.document.id for h in results.hits} == {land.id, other.id}
    assert sorted(read) == sorted({land.id, other.id})
    assert all(h.snippet for h in results.hits)
