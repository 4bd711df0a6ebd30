"""A petition's name, subject, address and e-mail are kept on one line (line breaks and tabs posted into them
become single spaces), so they cannot break the letters' "Kính gửi" line, the lists or a mail header; the
content keeps its paragraphs."""

from __future__ import annotations

from typing import Any

from docflow.models import PetitionChannel, PetitionKind
from docflow.services import petitions
from tests.services.petitions.wardset import PHONE


def test_single_line_fields_lose_their_line_breaks_and_the_content_keeps_them(db_session: Any, app: Any,
                                                                               org: Any) -> None:
    data = petitions.PetitionInput(kind=PetitionKind.COMPLAINT, citizen_name="Nguyễn\r\nVăn\tAn",
                                   phone=PHONE, subject="Đèn đường\ntổ 5 hỏng", content="Dòng một.\nDòng hai.",
                                   address="Số 12,\r\ntổ 5", email=" an@example.vn\n")
    petition = petitions.register_petition(db_session, organisation=org,
                                           settings=app.extensions["docflow.settings"], data=data,
                                           channel=PetitionChannel.ONLINE)
    assert (petition.citizen_name, petition.subject, petition.address, petition.email) == (
        "Nguyễn Văn An", "Đèn đường tổ 5 hỏng", "Số 12, tổ 5", "an@example.vn")
    assert petition.content == "Dòng một.\nDòng hai."
