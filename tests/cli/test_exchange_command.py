"""`docflow exchange import | partners`, run in-process on the test database: a partner's message is verified and
registered (JSON: document id, sender, valid); an altered message or PDF, an unknown sender and a replay exit 1
with nothing kept."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from docflow.commands.exchange_messages import exchange
from docflow.models import Document, ExchangeInbox, ExchangePartner
from tests.cli.inprocess import in_process
from tests.conftest import pdf_bytes
from tests.exchange.partner import PARTNER_ID, Partner
from tests.services.exchange.wards import Ward, altered, signed_pdf, ward  # noqa: F401 - fixtures


@pytest.fixture
def invoke(app, db_session):
    return in_process(app, exchange)


def write(tmp_path, data: bytes, name: str = "message.edxml"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def counts(db_session) -> tuple[int, int]:
    return (db_session.execute(select(func.count()).select_from(ExchangeInbox)).scalar_one(),
            db_session.execute(select(func.count()).select_from(Document)).scalar_one())


def test_partners_add_and_list_from_the_command_line(invoke, ward: Ward, test_pki, tmp_path, db_session) -> None:
    root = write(tmp_path, Partner(test_pki, "lookalike").root_pem, "other-root.pem")
    added = invoke("partners", "add", "000.00.03.H99", "--trust-root", root, "--name", "UBND xã Khác",
                   "--url", "folder:/srv/exchange/khac")
    assert added.exit_code == 0, added.output
    listed = json.loads(invoke("partners", "list", "--json").output)
    assert {(p["organ_id"], p["active"]) for p in listed} == {(PARTNER_ID, True), ("000.00.03.H99", True)}
    assert db_session.execute(select(ExchangePartner.added_by_id).where(
        ExchangePartner.organ_id == "000.00.03.H99")).scalar_one() is None
    again = invoke("partners", "add", "000.00.03.H99", "--trust-root", root)
    assert again.exit_code == 1 and "already an exchange partner" in again.output
    assert invoke("partners", "deactivate", "000.00.03.H99").exit_code == 0


def test_import_verifies_and_registers_a_partners_document(invoke, ward: Ward, signed_pdf, tmp_path) -> None:
    path = write(tmp_path, ward.partner.seal(ward.partner.edoc(signed_pdf)))
    result = invoke("import", path, "--user", ward.clerk.username, "--json")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.output)
    assert outcome["sender"] == PARTNER_ID and outcome["document_id"] and outcome["number"]
    assert outcome["valid"] is False     # intact; the partner's root is not one of the ward's PDF roots


def test_import_without_a_user_leaves_the_document_awaiting_the_clerk(invoke, ward: Ward, tmp_path) -> None:
    outcome = json.loads(invoke("import", write(tmp_path, ward.partner.seal(ward.partner.edoc(pdf_bytes("x")))),
                                "--json").output)
    assert (outcome["document_id"], outcome["valid"]) == (None, None) and outcome["inbox_id"]


def test_import_of_an_altered_pdf_exits_1_and_registers_nothing(invoke, ward: Ward, signed_pdf, tmp_path,
                                                                db_session) -> None:
    before = counts(db_session)
    path = write(tmp_path, ward.partner.seal(ward.partner.edoc(altered(signed_pdf))))
    result = invoke("import", path, "--user", ward.clerk.username, "--json")
    assert result.exit_code == 1 and "altered" in result.output
    assert counts(db_session) == before


def test_import_of_an_altered_message_exits_1_and_registers_nothing(invoke, ward: Ward, tmp_path,
                                                                    db_session) -> None:
    before = counts(db_session)
    data = ward.partner.seal(ward.partner.edoc(pdf_bytes("m"), subject="Về việc phối hợp thử nghiệm"))
    path = write(tmp_path, data.replace("phối hợp".encode(), "bãi bỏ".encode()))
    result = invoke("import", path, "--user", ward.clerk.username, "--json")
    assert result.exit_code == 1 and "altered" in result.output
    assert counts(db_session) == before


def test_import_from_an_unregistered_sender_exits_1(invoke, ward: Ward, test_pki, tmp_path, db_session) -> None:
    stranger = Partner(test_pki, organ_id="000.00.05.H99")
    result = invoke("import", write(tmp_path, stranger.seal(stranger.edoc(pdf_bytes("s")))), "--json")
    assert result.exit_code == 1 and "not a registered exchange partner" in result.output


def test_the_same_message_imported_twice_is_refused_the_second_time(invoke, ward: Ward, tmp_path) -> None:
    path = write(tmp_path, ward.partner.seal(ward.partner.edoc(pdf_bytes("twice"))))
    assert invoke("import", path, "--user", ward.clerk.username).exit_code == 0
    second = invoke("import", path, "--user", ward.clerk.username)
    assert second.exit_code == 1 and "received already" in second.output
