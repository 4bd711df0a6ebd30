"""The public pages of a province's deployment (several wards, nobody signed in): the verification page and the
citizens' tracking find whichever ward issued the code; a petition goes to the ward the citizen chose."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import wards
from docflow.models import Petition, PetitionChannel, PetitionKind
from docflow.services import petitions
from docflow.services.people import organisation


def _second_ward(db_session: Session) -> Any:
    return organisation.create_ward(db_session, name="UBND phường Vĩnh Yên", code="VYEN")


def _form(**extra: str) -> dict[str, str]:
    return {"kind": PetitionKind.COMPLAINT.value, "citizen_name": "Nguyễn Văn An", "phone": "0912345678",
            "subject": "Đèn đường hỏng", "content": "Đèn đường ngõ 5 hỏng đã một tuần.", **extra}


def test_the_petition_form_asks_for_the_ward_and_files_it_there(client: Any, db_session: Session, org: Any) -> None:
    other = _second_ward(db_session)

    page = client.get("/citizens/petition").get_data(as_text=True)
    assert 'name="ward"' in page and "UBND phường Vĩnh Yên" in page

    refused = client.post("/citizens/petition", _form())
    assert refused.status_code == 400
    assert db_session.execute(select(Petition)).first() is None

    made = client.post("/citizens/petition", _form(ward=str(other.id)))
    assert made.status_code == 200
    petition = db_session.execute(select(Petition)).scalar_one()
    assert petition.organisation_id == other.id


def test_one_ward_needs_no_choice(client: Any, db_session: Session, org: Any) -> None:
    assert 'name="ward"' not in client.get("/citizens/petition").get_data(as_text=True)
    assert client.post("/citizens/petition", _form()).status_code == 200
    assert db_session.execute(select(Petition)).scalar_one().organisation_id == org.id


def test_tracking_finds_another_wards_petition_by_its_code_and_phone(app: Any, client: Any, db_session: Session,
                                                                      org: Any) -> None:
    other, settings = _second_ward(db_session), app.extensions["docflow.settings"]
    with wards.acting_for(other.id):
        petition = petitions.register_petition(
            db_session, organisation=other, settings=settings, channel=PetitionChannel.ONLINE,
            data=petitions.PetitionInput(kind=PetitionKind.PROPOSAL, citizen_name="Trần Thị Bình",
                                         phone="0987654321", subject="Sân chơi", content="Xin làm sân chơi."))

    found = client.post("/citizens/track", {"code": petition.receipt_code, "phone": "0987654321"})
    wrong_phone = client.post("/citizens/track", {"code": petition.receipt_code, "phone": "0900000000"})

    assert found.status_code == 200 and "Sân chơi" in found.get_data(as_text=True)
    assert "Sân chơi" not in wrong_phone.get_data(as_text=True)
