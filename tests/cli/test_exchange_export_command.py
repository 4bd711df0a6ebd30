"""`docflow exchange export`: an issued document of the ward as a signed edXML message the partner verifies
against the ward's root; only an issued document, only by the clerk or an administrator."""

from __future__ import annotations

import pytest

from docflow import exchange as edxml
from docflow.commands.exchange_messages import exchange
from docflow.models import Role, utc_now
from docflow.services.keys import root_certificates_pem
from docflow.signing.base import CertificateKind
from tests.cli.inprocess import in_process
from tests.exchange.partner import OUR_ID, PARTNER_ID
from tests.services.outgoing.test_outgoing import Ward, _issue, _signed, ward  # noqa: F401 - the fixture


@pytest.fixture
def invoke(app, db_session):
    return in_process(app, exchange)


@pytest.fixture
def issued(db_session, store, ward: Ward, signing_settings, issue_cert):
    ward.clerk.organisation.organ_id = OUR_ID
    issue_cert(None, CertificateKind.SYSTEM)
    document = _signed(db_session, signing_settings, store, ward)
    return _issue(db_session, signing_settings, store, document, ward.clerk)


def test_r65_export_writes_a_message_the_partner_verifies_against_our_root(invoke, issued, ward: Ward, store,
                                                                          signing_settings, tmp_path) -> None:
    out = tmp_path / "qd.edxml"
    result = invoke("export", "--document", str(issued.id), "--to", PARTNER_ID, "--out", str(out),
                    "--user", ward.clerk.username)
    assert result.exit_code == 0, result.output
    our_root = root_certificates_pem(signing_settings)[-1]
    message = edxml.open_message(out.read_bytes(), root_for={OUR_ID: our_root}.get, moment=utc_now()).message
    assert message.document_id == f"{OUR_ID},{issued.document_date:%Y/%m/%d},{issued.number_symbol}"
    assert (message.receiver.organ_id, message.header.subject) == (PARTNER_ID, issued.summary)
    assert message.header.signer_full_name == ward.leader.full_name
    assert message.attachments[0].data == store.read(issued.current_version.sha256)


def test_export_refuses_a_document_not_issued_and_a_user_who_is_not_the_clerk(invoke, db_session, store, ward: Ward,
                                                                             signing_settings, make_user,
                                                                             tmp_path) -> None:
    draft = _signed(db_session, signing_settings, store, ward)
    out = tmp_path / "x.edxml"
    result = invoke("export", "--document", str(draft.id), "--out", str(out), "--user", ward.clerk.username)
    assert result.exit_code == 1 and "issued" in result.output and not out.exists()
    official = make_user(Role.OFFICIAL)
    result = invoke("export", "--document", str(draft.id), "--out", str(out), "--user", official.username)
    assert result.exit_code == 1 and not out.exists()
