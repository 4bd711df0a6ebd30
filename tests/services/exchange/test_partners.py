"""Exchange partners: a body is trusted only under the root an administrator registered for it."""

from __future__ import annotations

import pytest
from asn1crypto import pem
from sqlalchemy import select

from docflow.errors import ConflictError, NotFoundError, ValidationError
from docflow.models import AuditEvent, ExchangePartner, utc_now
from docflow.services.exchange import partners
from tests.exchange.partner import PARTNER_ID
from tests.services.exchange.wards import Ward, ward  # noqa: F401 - the fixture


def test_a_partner_is_registered_with_its_root_and_audited(ward: Ward) -> None:
    partner = ward.session.execute(select(ExchangePartner).where(ExchangePartner.organ_id == PARTNER_ID)).scalar_one()
    assert partner.is_active and partner.trust_root_pem.startswith("-----BEGIN CERTIFICATE")
    assert len(partner.trust_root_sha256) == 64
    event = ward.session.execute(select(AuditEvent).where(AuditEvent.action == "exchange.partner_added")
                                 .order_by(AuditEvent.id.desc())).scalars().first()
    assert event is not None and event.actor_id == ward.admin.id
    assert partners.root_lookup(ward.session, organisation_id=ward.org.id)(PARTNER_ID) == ward.partner.root_pem


def test_a_partner_is_registered_once(ward: Ward) -> None:
    with pytest.raises(ConflictError):
        partners.add_partner(ward.session, organisation=ward.org, organ_id=PARTNER_ID, trust_root=ward.partner.root_pem,
                             actor=ward.admin, now=utc_now())


def test_a_deactivated_partner_is_no_longer_trusted(ward: Ward) -> None:
    partners.deactivate_partner(ward.session, organisation=ward.org, organ_id=PARTNER_ID, actor=ward.admin,
                                now=utc_now())
    assert partners.root_lookup(ward.session, organisation_id=ward.org.id)(PARTNER_ID) is None
    assert partners.DIRECTORY.trust_roots(ward.session, organisation_id=ward.org.id) == []
    with pytest.raises(NotFoundError):
        partners.deactivate_partner(ward.session, organisation=ward.org, organ_id=PARTNER_ID, actor=ward.admin,
                                    now=utc_now())


def test_the_transport_finds_an_active_partners_endpoint(ward: Ward) -> None:
    partners.deactivate_partner(ward.session, organisation=ward.org, organ_id=PARTNER_ID, actor=None, now=utc_now())
    partners.add_partner(ward.session, organisation=ward.org, organ_id=PARTNER_ID, trust_root=ward.partner.root_pem,
                         actor=None, now=utc_now(), url="https://127.0.0.1:8443/edxml")
    endpoint = partners.DIRECTORY.endpoint(ward.session, organisation_id=ward.org.id, organ_id=PARTNER_ID)
    assert endpoint is not None and endpoint.url == "https://127.0.0.1:8443/edxml"
    assert endpoint.trust_root_pem == ward.partner.root_pem


@pytest.mark.parametrize("organ_id, root, url, words", [
    ("000.00.09", None, "", "organ identifier"),
    ("000.00.09.H99", b"not a certificate", "", "not a certificate"),
    ("000.00.09.H99", None, "http://plain.example/edxml", "https://"),
])
def test_a_partner_needs_an_organ_id_a_root_certificate_and_a_safe_address(ward: Ward, organ_id: str,
                                                                          root: bytes | None, url: str,
                                                                          words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        partners.add_partner(ward.session, organisation=ward.org, organ_id=organ_id,
                             trust_root=root or ward.partner.root_pem, actor=ward.admin, now=utc_now(), url=url)


def test_a_signing_certificate_is_not_accepted_as_a_trust_root(ward: Ward, test_pki) -> None:
    leaf = pem.armor("CERTIFICATE", test_pki.cert("organisation").dump())
    with pytest.raises(ValidationError, match="CA certificate"):
        partners.add_partner(ward.session, organisation=ward.org, organ_id="000.00.09.H99", trust_root=leaf,
                             actor=ward.admin, now=utc_now())
