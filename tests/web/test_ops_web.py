"""Issue 16 §3: /health and /ready answer without sign-in (JSON, 200/503, no cookie), every response carries its
request's id, /metrics shows the process's counts and the database's figures, and JSON log lines carry the
request's fields and nothing secret."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from docflow import create_app, logformat, unit_of_work
from docflow.models import AuditCheckpoint, DocumentKind, OutboxItem, Role, utc_now
from docflow.models.outbox import OutboxStatus
from docflow.services import ops as ops_service
from docflow.services import signatures as signing_service
from docflow.signing.base import SignatureKind

from tests.conftest import PASSWORD
from tests.conftest import SIGNING_PIN as PIN


def test_health_answers_without_sign_in_json_and_no_cookie(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_ready_checks_the_database(client):
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": True}}
    assert "Set-Cookie" not in response.headers


def test_ready_is_503_when_the_database_does_not_answer(tmp_path, monkeypatch):
    monkeypatch.delenv("DOCFLOW_CONFIG", raising=False)
    # A PostgreSQL URL on a port where nothing listens: the process lives (health), but is not ready.
    app = create_app({"app": {"mode": "testing", "data_dir": str(tmp_path)},
                      "database": {"url": "postgresql+psycopg://docflow@127.0.0.1:9/none"}})
    client = app.test_client()
    assert client.get("/health").status_code == 200
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": False}}
    app.extensions["docflow.engine"].dispose()


def test_probes_take_no_post_and_need_no_csrf_token(client):
    assert client.client.post("/health").status_code == 405
    assert client.client.post("/ready").status_code == 405


def test_queue_reachability_is_a_connection_to_its_broker():
    assert ops_service.queue_reachable("redis://127.0.0.1:6379/0")
    assert not ops_service.queue_reachable("redis://127.0.0.1:9/0")
    assert not ops_service.queue_reachable("not a url")


def test_a_well_formed_request_id_is_kept_and_any_other_replaced(client):
    kept = client.get("/health", headers={"X-Request-Id": "0123456789abcdef0123456789abcdef"})
    assert kept.headers["X-Request-Id"] == "0123456789abcdef0123456789abcdef"
    for forged in ("short", "a" * 65, "abc def ghi jkl", "abcdefgh;Set-Cookie=x", "<script>alert(1)</script>"):
        replaced = client.get("/health", headers={"X-Request-Id": forged})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-Id"])
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/login").headers["X-Request-Id"])


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_counts_requests_and_reads_the_queues_from_the_database(client, db_session, org):
    before = _sample("docflow_http_requests_total", method="GET", endpoint="ops.health", status="200")
    client.get("/health")
    db_session.add(OutboxItem(organisation_id=org.id, partner_organ_id="000.00.00.H99", kind="edoc",
                              message=b"x", sha256="0" * 64, status=OutboxStatus.PENDING))
    db_session.add(OutboxItem(organisation_id=org.id, partner_organ_id="000.00.00.H99", kind="edoc",
                              message=b"y", sha256="1" * 64, status=OutboxStatus.REJECTED))
    db_session.flush()
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert _sample("docflow_http_requests_total", method="GET", endpoint="ops.health", status="200") == before + 1
    assert 'docflow_http_request_duration_seconds_bucket{endpoint="ops.health",le="0.01"}' in text
    assert 'docflow_queue_depth{queue="outbox"} 1.0' in text
    assert 'docflow_queue_failed{queue="outbox"} 1.0' in text
    assert 'docflow_queue_depth{queue="ocr"}' in text and 'docflow_queue_depth{queue="jobs"}' in text


def test_metrics_gives_the_audit_checkpoints_age(db_session, org):
    made = utc_now() - timedelta(minutes=5)
    db_session.add(AuditCheckpoint(organisation_id=org.id, seq=10**12, hash="a" * 64, created_at=made,
                                   organisation="x", signature=b"s", certificate=b"c"))
    db_session.flush()
    age = ops_service.checkpoint_age_seconds(db_session, made + timedelta(seconds=300))
    assert age == pytest.approx(300.0, abs=1.0)
    registry = ops_service.scrape_registry(db_session, made + timedelta(seconds=90))
    assert registry.get_sample_value("docflow_audit_checkpoint_age_seconds") == pytest.approx(90.0, abs=1.0)


def test_metrics_counts_the_audit_events_no_checkpoint_covers(db_session, make_user):
    from docflow.services import audit
    before = ops_service.scrape_registry(db_session, utc_now()).get_sample_value("docflow_audit_unsigned_events")
    audit.record(db_session, actor=make_user(), action=audit.AuditAction.USER_SIGNED_IN, object_type="user")
    db_session.flush()
    after = ops_service.scrape_registry(db_session, utc_now()).get_sample_value("docflow_audit_unsigned_events")
    assert after >= before + 1


def test_signatures_are_counted_once_kept_never_when_rolled_back(db_session, signing_settings, store, make_user,
                                                                 issue_cert, make_document, make_department):
    signer = make_user(Role.LEADER, full_name="Lê Thị Thu Hà")
    signer.post = "Phó Chủ tịch"
    issue_cert(signer)
    document = make_document(signer, department=make_department(), kind=DocumentKind.INTERNAL)
    before = _sample("docflow_signatures_total", kind="personal")
    with pytest.raises(RuntimeError), unit_of_work.transaction(db_session):
        _sign(db_session, signing_settings, store, signer, document.id)
        raise RuntimeError("the request failed after signing: rolled back")
    assert _sample("docflow_signatures_total", kind="personal") == before
    with unit_of_work.transaction(db_session):
        _sign(db_session, signing_settings, store, signer, document.id)
    assert _sample("docflow_signatures_total", kind="personal") == before + 1


def _sign(db_session, settings, store, actor, document_id):
    return signing_service.sign_version(db_session, settings=settings, store=store, actor=actor,
                                        document_id=document_id, kind=SignatureKind.PERSONAL, pin=PIN,
                                        expected_version=None, step=None)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logformat.JsonFormatter())
    logger = logging.getLogger("docflow")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield out
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_json_log_lines_carry_the_request_and_nothing_secret(client, make_user, json_lines):
    user = make_user(username="logged.user")
    client.login(user)
    page = client.get("/", headers={"X-Request-Id": "req-0123456789abcdef"})
    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    sign_in = next(line for line in lines if line.get("path") == "/login" and line.get("method") == "POST")
    assert sign_in["logger"] == "docflow.access" and sign_in["level"] == "INFO" and "time" in sign_in
    assert sign_in["status"] in (302, 303) and sign_in["duration_ms"] >= 0
    home = next(line for line in lines if line.get("request_id") == "req-0123456789abcdef")
    assert page.headers["X-Request-Id"] == "req-0123456789abcdef"
    assert home["user_id"] == user.id and home["ward_id"] == user.organisation_id
    assert home["method"] == "GET" and home["path"] == "/" and home["status"] == page.status_code
    written = json_lines.getvalue()
    assert PASSWORD not in written and "csrf_token" not in written and "session=" not in written


def test_verifications_are_counted_by_outcome(db_session, app):
    from docflow.errors import UnreadablePdfError
    from docflow.services.signatures import reports
    before = _sample("docflow_verifications_total", outcome="unreadable")
    with pytest.raises(UnreadablePdfError):
        reports.verify_bytes(db_session, settings=app.extensions["docflow.settings"], data=b"not a pdf at all")
    assert _sample("docflow_verifications_total", outcome="unreadable") == before + 1


def test_health_answers_a_signed_in_browser_without_loading_its_user(client, make_user, app, monkeypatch):
    client.login(make_user())
    # The database gone (its sessions refuse to open): /health still answers, a page does not.
    monkeypatch.setitem(app.extensions, "docflow.sessionmaker", _no_database)
    assert client.get("/health").status_code == 200
    with pytest.raises(RuntimeError, match="no database"):
        client.get("/")


def _no_database():
    raise RuntimeError("no database")
