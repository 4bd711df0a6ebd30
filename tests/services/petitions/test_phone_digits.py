"""A phone number is kept as ASCII digits: full-width (or any script's) decimal digits typed on a phone are read
as 0-9, so the citizen finds the petition again whichever keyboard he uses; a superscript or other "digit" that
is not a decimal digit is refused (before, anything str.isdigit() accepted was stored as typed)."""

from __future__ import annotations

from typing import Any

from docflow.models import PetitionChannel, PetitionKind
from docflow.services import petitions


def test_full_width_digits_are_read_as_ascii_and_superscripts_refused() -> None:
    assert petitions.normalise_phone("０９１２ ３４５ ６７８") == "0912345678"
    assert petitions.normalise_phone("+８４ 912 345 678") == "0912345678"
    assert petitions.normalise_phone("09123456²8") is None


def test_a_petition_sent_with_full_width_digits_is_tracked_with_ascii_ones(db_session: Any, app: Any,
                                                                           org: Any) -> None:
    data = petitions.PetitionInput(kind=PetitionKind.COMPLAINT, citizen_name="Nguyễn Văn An",
                                   phone="０９１２３４５６７８", subject="Đèn đường", content="Đèn hỏng.")
    petition = petitions.register_petition(db_session, organisation=org,
                                           settings=app.extensions["docflow.settings"], data=data,
                                           channel=PetitionChannel.ONLINE)
    assert petition.phone == "0912345678"
    found = petitions.track(db_session, organisation_id=org.id, code=petition.receipt_code, phone="0912 345 678")
    assert found.receipt_code == petition.receipt_code
