"""The past archive transfers on the records pages: the clerk (and the administrator) sees each package made, with
its manifest's SHA-256 and the files left out, and downloads the listing as CSV (never a package). The
other roles' refusals are in tests/security/test_transfer_refusals.py."""

from __future__ import annotations

import pytest

from docflow.models import Role
from docflow.services.records.transfer import build_transfer
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture
from tests.services.records.transfer_helpers import YEAR, checkpointer, closed_year, with_organ_id  # noqa: F401


@pytest.fixture
def made(db_session, signing_settings, store, ward, checkpointer):
    settings = with_organ_id(signing_settings)
    closed_year(db_session, settings, store, ward)
    closed_year(db_session, settings, store, ward, code="02.VP", close=False)
    return build_transfer(db_session, settings=settings, store=store, actor=ward.clerk, year=YEAR, only_closed=True)


def test_the_clerk_sees_the_past_transfers_and_downloads_the_listing(client, made, ward):
    client.login(ward.clerk)
    assert 'data-testid="transfers-link"' in client.get(f"/records/?year={YEAR}").get_data(as_text=True)

    page = client.get("/records/transfers")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and text.count('data-testid="transfer"') == 1
    assert made.manifest_sha256 in text and "02.VP" in text

    listing = client.get("/records/transfers.csv")
    body = listing.get_data().decode("utf-8-sig")
    assert listing.status_code == 200 and listing.mimetype == "text/csv"
    assert made.manifest_sha256 in body and "01.VP" in body and "02.VP (open)" in body
    assert not listing.get_data().startswith(b"PK")   # the listing, never a package


def test_the_administrator_sees_them_too(client, made, make_user):
    client.login(make_user(Role.ADMIN))
    assert made.manifest_sha256 in client.get("/records/transfers").get_data(as_text=True)
