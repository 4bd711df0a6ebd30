"""The exchange's TLS certificates come from each ward's development CA (issued by its issuing CA, the chain
in the file), so the root a partner registered for the ward's messages is the root its connections must
chain to: the endpoint knows which partner is calling, and refuses a ward it has not registered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509

from docflow.errors import ValidationError
from docflow.services.exchange.ports import PartnerRoot
from docflow.services.exchange.server import ExchangeServer, TlsContexts, serve_in_thread
from docflow.config_exchange import ExchangeSettings
from docflow.signing.pki import DevelopmentCA
from docflow.signing.tlscerts import issue_tls_pair
from tests.services.exchange.helpers import Recorder

A, B = "000.00.01.H99", "000.00.02.H99"


def _ward(folder: Path, name: str, organ_id: str) -> tuple[DevelopmentCA, Any]:
    ca = DevelopmentCA.create(folder / "ca", organisation=name, passphrase=b"test", ocsp_url="http://127.0.0.1/o",
                              crl_url="http://127.0.0.1/c", key_size=2048)
    return ca, issue_tls_pair(ca, organisation=name, organ_id=organ_id, hosts=("127.0.0.1", "localhost"),
                              out=folder / "tls")


@pytest.fixture(scope="module")
def wards(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("wardcas")
    return _ward(folder / "a", "UBND phường A", A), _ward(folder / "b", "UBND phường B", B)


def test_the_certificates_carry_their_issuing_ca_and_keys_are_owner_only(wards: Any) -> None:
    (ca, pair), _ = wards
    chain = x509.load_pem_x509_certificates(pair.server_cert.read_bytes())
    root = x509.load_pem_x509_certificate(ca.root_pem())
    assert len(chain) == 2 and chain[1].issuer == root.subject
    assert pair.server_key.stat().st_mode & 0o077 == 0 and pair.client_key.stat().st_mode & 0o077 == 0
    names = chain[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)


def test_a_server_certificate_needs_a_host(wards: Any, tmp_path: Path) -> None:
    (ca, _pair), _ = wards
    with pytest.raises(ValidationError):
        issue_tls_pair(ca, organisation="x", organ_id=A, hosts=(), out=tmp_path)


def test_the_endpoint_knows_the_calling_partner_by_its_registered_root_and_refuses_an_unregistered_ward(
        wards: Any) -> None:
    (ca_a, pair_a), (ca_b, pair_b) = wards
    settings = ExchangeSettings(server_cert=pair_b.server_cert, server_key=pair_b.server_key)
    recorder = Recorder(sender=A)
    server = ExchangeServer(("127.0.0.1", 0), settings=settings, handle=recorder,
                            tls=TlsContexts(settings, lambda: [PartnerRoot(A, ca_a.root_pem())], ttl_seconds=0))
    serve_in_thread(server)
    root_b = Path(pair_b.server_cert.parent / "root-b.pem")
    root_b.write_bytes(ca_b.root_pem())
    url = f"https://127.0.0.1:{server.server_port}/edxml"
    try:
        answer = requests.post(url, data=b"<edXML/>", cert=(str(pair_a.client_cert), str(pair_a.client_key)),
                               verify=str(root_b), timeout=5)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.post(url, data=b"<edXML/>", cert=(str(pair_b.client_cert), str(pair_b.client_key)),
                          verify=str(root_b), timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert answer.status_code == 200
    assert recorder.got == [(b"<edXML/>", frozenset({A}))]
