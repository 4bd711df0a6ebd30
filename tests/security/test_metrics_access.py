"""Issue 16 §3: /metrics answers only the addresses ``[metrics] allow`` permits (loopback by default); any other
address, and any request forwarded by a proxy the app does not trust, gets the same 404 as a page that does not
exist. Nothing about the deployment (wards' queues, request counts) reaches an outsider; invented methods and
paths cannot grow the metrics without bound, nor forge a line of the text log."""

from __future__ import annotations

import logging

import pytest
from prometheus_client import REGISTRY

from docflow.config_ops import MetricsSettings
from docflow.errors import ConfigurationError

from tests.conftest import make_test_app


def test_metrics_answers_loopback(client):
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


@pytest.mark.parametrize("address", ["10.0.0.5", "192.168.1.20", "2001:db8::1", "", "not-an-address"])
def test_metrics_is_404_to_any_other_address(client, address):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 404
    assert "docflow_" not in response.get_data(as_text=True)


def test_a_forwarded_request_is_refused_when_no_proxy_is_trusted(client):
    # nginx on loopback forwards an outsider's request: the app would see 127.0.0.1 as its address.
    response = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 404


def test_with_a_trusted_proxy_the_forwarded_address_decides(database_factory, tmp_path):
    app = make_test_app(database_factory("metrics_proxy"), tmp_path, security={"trusted_proxies": 1},
                        metrics={"allow": ["10.1.0.0/16"]})
    try:
        client = app.test_client()
        assert client.get("/metrics", headers={"X-Forwarded-For": "10.1.2.3"}).status_code == 200
        assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
        assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1, 10.1.2.3"}).status_code == 200
        # The proxy's own loopback address is not in the list: only what it forwards counts.
        assert client.get("/metrics").status_code == 404
    finally:
        app.extensions["docflow.engine"].dispose()


def test_an_ipv4_mapped_address_is_judged_as_ipv4():
    allow = MetricsSettings()
    assert allow.allows("::ffff:127.0.0.1") and not allow.allows("::ffff:10.0.0.1")


def test_a_malformed_allow_list_stops_startup():
    with pytest.raises(ConfigurationError, match="metrics.allow"):
        MetricsSettings(allow=("127.0.0.1", "10.0.0.300"))


def test_invented_methods_and_paths_add_no_series(client):
    before = len(list(REGISTRY.collect()))
    for n in range(3):
        client.client.open(f"/no/such/page/{n}", method=f"INVENTED{n}")
    samples = [s for m in REGISTRY.collect() if m.name == "docflow_http_requests" for s in m.samples]
    assert not any("INVENTED" in str(s.labels) or "/no/such" in str(s.labels) for s in samples)
    assert any(s.labels.get("method") == "other" and s.labels.get("endpoint") == "unmatched" for s in samples)
    assert len(list(REGISTRY.collect())) == before


def test_a_path_cannot_forge_a_text_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="docflow.access")
    client.get("/nothing%0a2026-01-01 ERROR docflow: forged%0d")
    [line] = [r.getMessage() for r in caplog.records if r.name == "docflow.access"]
    assert "\n" not in line and "\r" not in line
    assert "/nothing\\n2026-01-01 ERROR docflow: forged\\r" in line
