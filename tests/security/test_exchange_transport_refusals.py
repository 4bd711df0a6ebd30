"""The exchange endpoint refuses what an attacker could try (issue 15 §1: trust another body only after it
is registered, never because it carries its own chain): a client certificate from an unregistered CA, no
client certificate, plain HTTP (all at the TLS layer, before a byte of the message is read); a registered
partner's certificate carrying a message from another organ (refused, nothing kept); a partner once
deactivated; a message too large; another path."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from docflow import appctx, db
from docflow.models import Department
from docflow.services.exchange.inbound import take_in
from docflow.services.exchange.ports import PartnerRoot
from tests.exchangetls import WardTls, make_ward_tls
from tests.services.exchange.helpers import Recorder, running_endpoint

A, B, C = "000.00.01.H99", "000.00.02.H99", "000.00.03.H99"


@pytest.fixture(scope="module")
def wards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, WardTls]:
    folder = tmp_path_factory.mktemp("tls")
    return {name: make_ward_tls(folder / name, f"Ward {name}") for name in ("a", "b", "c")}


def _post(url: str, client: WardTls | None, server: WardTls, data: bytes = b"<edXML/>") -> requests.Response:
    cert = (str(client.client.cert), str(client.client.key)) if client else None
    return requests.post(url, data=data, cert=cert, verify=str(server.root_file), timeout=5)


def test_a_client_certificate_from_an_unregistered_ca_is_refused_at_the_tls_layer(wards: Any) -> None:
    recorder = Recorder(sender=A)
    with running_endpoint(wards["b"], [PartnerRoot(A, wards["a"].root_pem)], recorder) as (url, _):
        with pytest.raises(requests.exceptions.ConnectionError):
            _post(url, wards["c"], wards["b"])
        assert _post(url, wards["a"], wards["b"]).status_code == 200   # the registered partner gets through
    assert len(recorder.got) == 1


def test_a_client_without_a_certificate_is_refused_at_the_tls_layer(wards: Any) -> None:
    recorder = Recorder(sender=A)
    with running_endpoint(wards["b"], [PartnerRoot(A, wards["a"].root_pem)], recorder) as (url, _):
        with pytest.raises(requests.exceptions.ConnectionError):
            _post(url, None, wards["b"])
    assert recorder.got == []


def test_plain_http_is_refused(wards: Any) -> None:
    recorder = Recorder(sender=A)
    with running_endpoint(wards["b"], [PartnerRoot(A, wards["a"].root_pem)], recorder) as (url, _):
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.post(url.replace("https://", "http://"), data=b"<edXML/>", timeout=5)
    assert recorder.got == []


def test_a_partner_deactivated_meanwhile_is_refused_at_its_next_connection(wards: Any) -> None:
    roots = [PartnerRoot(A, wards["a"].root_pem)]
    recorder = Recorder(sender=A)
    with running_endpoint(wards["b"], roots, recorder) as (url, _):
        assert _post(url, wards["a"], wards["b"]).status_code == 200
        roots.clear()
        with pytest.raises(requests.exceptions.ConnectionError):
            _post(url, wards["a"], wards["b"])
    assert len(recorder.got) == 1


def test_a_message_too_large_or_to_another_path_is_refused_unread(wards: Any) -> None:
    recorder = Recorder(sender=A)
    with running_endpoint(wards["b"], [PartnerRoot(A, wards["a"].root_pem)], recorder) as (url, server):
        limit = server.settings.max_message_bytes
        assert _post(url, wards["a"], wards["b"], data=b"x").status_code == 200
        other = requests.post(url.replace("/edxml", "/admin"), data=b"<edXML/>", timeout=5, verify=str(
            wards["b"].root_file), cert=(str(wards["a"].client.cert), str(wards["a"].client.key)))
        assert other.status_code == 404
        too_big = requests.post(url, data=b"", headers={"Content-Length": str(limit + 1)}, timeout=5,
                                verify=str(wards["b"].root_file),
                                cert=(str(wards["a"].client.cert), str(wards["a"].client.key)))
        assert too_big.status_code == 413
    assert len(recorder.got) == 1


@dataclass(frozen=True)
class _Got:
    kind: str
    sender_organ_id: str


def _receive(session: Any, *, organisation: Any, data: bytes, settings: Any, store: Any, now: datetime) -> _Got:
    """Stands in for the exchange's receive_message: the message names its (verified) sender, and what it
    brings is kept as a department row, so that a refusal's leftovers can be looked for."""
    sender, _, word = data.decode().partition(":")
    session.add(Department(organisation_id=organisation.id, name=f"sec {word}", code=f"S{word[:20]}"))
    session.flush()
    return _Got("edoc", sender)


@pytest.fixture
def committed_scope(committed_app: Flask) -> Iterator[Any]:
    with committed_app.app_context():
        context = appctx.current().context
    yield context


def test_a_registered_partners_certificate_carrying_a_message_of_another_organ_is_refused_and_nothing_kept(
        wards: Any, committed_scope: Any) -> None:
    context = committed_scope

    def handle(data: bytes, organs: frozenset[str]) -> Any:
        return take_in(db.transaction, data=data, receive=_receive, settings=context.settings,
                       store=context.store, tls_organs=organs)

    roots = [PartnerRoot(A, wards["a"].root_pem), PartnerRoot(C, wards["c"].root_pem)]
    with running_endpoint(wards["b"], roots, handle, scope=lambda: appctx.bound(context)) as (url, _):
        forged = _post(url, wards["a"], wards["b"], data=f"{C}:forged".encode())
        honest = _post(url, wards["a"], wards["b"], data=f"{A}:honest".encode())
    assert forged.status_code == 403 and "another agency" in forged.json()["message"]
    assert honest.status_code == 200 and honest.json()["sender"] == A
    with appctx.bound(context), db.transaction() as session:
        names = set(session.execute(select(Department.name).where(Department.name.like("sec %"))).scalars())
    assert names == {"sec honest"}
