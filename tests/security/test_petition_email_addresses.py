"""The public form takes one e-mail address the mail can be sent to as it is: an address with a comma, quotes or
angle brackets (a second addressee, or header syntax) is refused with the form's message (before, anything of
the form x@y.z was kept and only the mailer found out, after the answer was committed)."""

from __future__ import annotations

from typing import Any

import pytest

from docflow.errors import ValidationError
from docflow.models import PetitionChannel, PetitionKind
from docflow.services import petitions
from tests.services.petitions.wardset import PHONE


def _register(db_session: Any, app: Any, org: Any, email: str) -> Any:
    data = petitions.PetitionInput(kind=PetitionKind.COMPLAINT, citizen_name="Nguyễn Văn An", phone=PHONE,
                                   subject="Đèn đường", content="Đèn hỏng.", email=email)
    return petitions.register_petition(db_session, organisation=org, settings=app.extensions["docflow.settings"],
                                       data=data, channel=PetitionChannel.ONLINE)


@pytest.mark.parametrize("email", ["an,ke-gian@example.vn", '"an"@example.vn', "an<ke@x.vn>@example.vn",
                                   "an@example.vn;ke@x.vn"])
def test_an_address_that_names_more_or_carries_header_syntax_is_refused(db_session, app, org, email):
    with pytest.raises(ValidationError):
        _register(db_session, app, org, email)


def test_an_ordinary_address_is_kept(db_session, app, org):
    assert _register(db_session, app, org, "nguyen.an+phuong@mail.example.vn").email == \
        "nguyen.an+phuong@mail.example.vn"
