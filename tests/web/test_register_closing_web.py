"""Closing a register's year from its page (rule R16): the clerk's form with the PIN, the signed PDF to
download, the banner; the refusals an attacker would try are in the service tests and here."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from docflow.models import RegisterClosing, Role
from docflow.signing.base import CertificateKind
from tests.conftest import SIGNING_PIN
from tests.services.registers.test_registers import YEAR, at, pdf_text, register_incoming


@pytest.fixture
def clerk(db_session: Any, org: Any, make_user: Any, make_document: Any, issue_cert: Any) -> Any:
    user = make_user(Role.CLERK)
    issue_cert(None, CertificateKind.ORGANISATION)
    register_incoming(db_session, org, make_document(user, summary="Về việc đóng sổ cuối năm"), received_at=at(3))
    return user


def test_r16_the_clerk_closes_the_register_from_its_page_and_a_leader_downloads_it(client, db_session, clerk,
                                                                                   make_user):
    client.login(clerk)
    page = client.get(f"/registers/{YEAR}/incoming").get_data(as_text=True)
    assert 'data-testid="close-form"' in page
    assert client.post(f"/registers/{YEAR}/incoming/close", {"pin": SIGNING_PIN}).status_code == 302
    assert db_session.execute(select(RegisterClosing)).scalar_one().entries == 1
    page = client.get(f"/registers/{YEAR}/incoming").get_data(as_text=True)
    assert 'data-testid="closed-banner"' in page and 'data-testid="close-form"' not in page
    client.logout()
    client.login(make_user(Role.LEADER))
    download = client.get(f"/registers/{YEAR}/incoming/closing.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert "Về việc đóng sổ cuối năm" in pdf_text(download.data)


def test_r16_the_close_form_is_the_clerks_and_needs_its_csrf_token(client, db_session, clerk, make_user):
    leader = make_user(Role.LEADER)
    client.login(leader)
    assert 'data-testid="close-form"' not in client.get(f"/registers/{YEAR}/incoming").get_data(as_text=True)
    assert client.post(f"/registers/{YEAR}/incoming/close", {"pin": SIGNING_PIN}).status_code == 403
    client.logout()
    client.login(clerk)
    assert client.post(f"/registers/{YEAR}/incoming/close", {"pin": SIGNING_PIN}, csrf=False).status_code == 400
    assert client.get(f"/registers/{YEAR}/outgoing/closing.pdf").status_code == 404
    assert db_session.execute(select(RegisterClosing)).first() is None
