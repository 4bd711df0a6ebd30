"""Our ward (the ``org`` fixture with an organ id and a system key) and a partner ward (the test PKI, its
messages built with docflow.exchange) for the exchange's service tests."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from docflow.models import Organisation, Role, User, utc_now
from docflow.services.exchange import partners
from docflow.signing.base import CertificateKind
from tests.exchange.partner import OUR_ID, PARTNER_ID, PARTNER_NAME, Partner
from tests.signing import attacks
from tests.testpki import tiny_pdf

# the transport's outbox receives what the ward sends: tests that send need it (merged separately)
needs_outbox = pytest.mark.skipif(
    importlib.util.find_spec("docflow.services.exchange.outbox") is None,
    reason="the transport's outbox (docflow.services.exchange.outbox) is merged separately")


@dataclass
class Ward:
    org: Organisation
    admin: User
    clerk: User
    leader: User
    partner: Partner
    settings: Any
    store: Any
    session: Any

    @property
    def now(self) -> datetime:
        return utc_now()

    def receive(self, data: bytes) -> Any:
        from docflow.services.exchange.receive import receive_message
        return receive_message(self.session, organisation=self.org, data=data, settings=self.settings,
                               store=self.store, now=utc_now())


@pytest.fixture
def ward(db_session: Any, org: Organisation, make_user: Any, issue_cert: Any, signing_settings: Any, store: Any,
         test_pki: Any) -> Ward:
    org.organ_id = OUR_ID
    issue_cert(None, CertificateKind.SYSTEM)
    admin = make_user(Role.ADMIN)
    partner = Partner(test_pki)
    partners.add_partner(db_session, organisation=org, organ_id=PARTNER_ID, trust_root=partner.root_pem, actor=admin,
                         now=utc_now(), name=PARTNER_NAME)
    return Ward(org=org, admin=admin, clerk=make_user(Role.CLERK), leader=make_user(Role.LEADER), partner=partner,
                settings=signing_settings, store=store, session=db_session)


@pytest.fixture(scope="module")
def signed_pdf(test_pki: Any) -> bytes:
    """A PDF the partner's chairman signed (under the test PKI's root)."""
    return attacks.sign(tiny_pdf(), test_pki.simple_signer("chutich"))


def altered(pdf: bytes) -> bytes:
    """The signed PDF with one byte of its signed content changed (same length)."""
    changed = pdf.replace(b"(UBND phuong Tich Son)", b"(UBND phuong Tich Sox)")
    if changed == pdf:
        raise ValueError("the test PDF has no text to alter")
    return changed
