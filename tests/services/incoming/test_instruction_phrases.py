"""R43: the leader records the directive; the instructions he writes often are his own list of phrases,
kept in his order and offered when he directs."""

from __future__ import annotations

import pytest

from docflow.errors import ValidationError
from docflow.services import incoming
from tests.services.incoming.test_incoming import ward  # noqa: F401 - fixture


def _texts(db_session, user):
    return [p.text for p in incoming.list_phrases(db_session, actor=user)]


def test_R43_a_leader_keeps_his_phrases_in_his_own_order(db_session, ward):
    first = incoming.add_phrase(db_session, actor=ward.leader, text="  Giao phòng Địa chính   chủ trì ")
    second = incoming.add_phrase(db_session, actor=ward.leader, text="Báo cáo kết quả trước hạn")
    incoming.add_phrase(db_session, actor=ward.vice, text="Phối hợp thực hiện")
    assert _texts(db_session, ward.leader) == ["Giao phòng Địa chính chủ trì", "Báo cáo kết quả trước hạn"]
    incoming.move_phrase(db_session, actor=ward.leader, phrase_id=second.id, up=True)
    assert _texts(db_session, ward.leader) == ["Báo cáo kết quả trước hạn", "Giao phòng Địa chính chủ trì"]
    incoming.move_phrase(db_session, actor=ward.leader, phrase_id=second.id, up=True)   # first already: stays
    incoming.remove_phrase(db_session, actor=ward.leader, phrase_id=first.id)
    assert _texts(db_session, ward.leader) == ["Báo cáo kết quả trước hạn"]
    assert _texts(db_session, ward.vice) == ["Phối hợp thực hiện"]
    assert incoming.list_phrases(db_session, actor=ward.head_dc) == []


@pytest.mark.parametrize("text", ["", "   ", "x" * 501, "Báo cáo kết quả"])
def test_R43_an_empty_long_or_repeated_phrase_is_refused(db_session, ward, text):
    incoming.add_phrase(db_session, actor=ward.leader, text="Báo cáo kết quả")
    with pytest.raises(ValidationError):
        incoming.add_phrase(db_session, actor=ward.leader, text=text)


def test_R43_a_picked_phrase_comes_first_in_the_instruction_once():
    assert incoming.with_phrase("", "Giao Địa chính chủ trì") == "Giao Địa chính chủ trì"
    assert incoming.with_phrase("Trả lời trước 20/3", "Giao Địa chính chủ trì") == \
        "Giao Địa chính chủ trì\nTrả lời trước 20/3"
    assert incoming.with_phrase("Giao Địa chính chủ trì, gấp", "Giao Địa chính chủ trì") == \
        "Giao Địa chính chủ trì, gấp"
    assert incoming.with_phrase("Tự viết", "") == "Tự viết"
