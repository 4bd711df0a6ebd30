"""The public pages' per-address limits cannot be stepped around: an IPv6 client holds a whole /64, so every
address of it is one caller (as for the sign-in limits); another /64 is another caller."""

from __future__ import annotations

from datetime import timedelta

import pytest

from docflow.errors import RateLimitedError
from docflow.models import utc_now
from docflow.services import ratelimit
from tests.services.petitions.wardset import PHONE


def _track(client, address: str) -> int:
    return client.post("/citizens/track", {"code": "AAAA-AAAA-AAAA-AAAA", "phone": PHONE},
                       environ_base={"REMOTE_ADDR": address}).status_code


def test_a_guesser_stepping_through_his_ipv6_64_is_stopped_as_one_address(client, org, db_session):
    statuses = [_track(client, f"2001:db8:1:2::{n:x}") for n in range(1, 22)]
    assert statuses[:20] == [404] * 20 and statuses[20] == 429
    assert _track(client, "2001:db8:1:3::1") == 404        # the next /64 is someone else


def test_an_ipv4_mapped_address_counts_with_its_ipv4_address(db_session, org):
    now = utc_now()
    for caller in ("192.0.2.7", "::ffff:192.0.2.7"):
        ratelimit.take(db_session, organisation_id=org.id, bucket="test", caller=caller, limit=2,
                       per=timedelta(minutes=1), now=now)
    with pytest.raises(RateLimitedError):
        ratelimit.take(db_session, organisation_id=org.id, bucket="test", caller="192.0.2.7", limit=2,
                       per=timedelta(minutes=1), now=now)


def test_an_api_clients_id_is_counted_as_it_is(db_session, org):
    assert ratelimit.address_key("17") == "17"
