"""schemathesis against the running app (in process, through WSGI): property-based requests on every operation
of /api/v1 with a valid token; no answer is a 5xx, every status is documented, every body and content type
matches the OpenAPI document. DOCFLOW_API_EXAMPLES sets the examples per operation (`make test-api-deep`)."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from docflow import db
from docflow.models import DocumentKind, Recipient, User, utc_now
from docflow.services import api as api_service
from docflow.services import documents as doc_service
from docflow.services import incoming
from docflow.services.demo import seed_demo
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.web.api.openapi import PREFIX
from tests.conftest import make_test_app, pdf_bytes

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
EXAMPLES = int(os.environ.get("DOCFLOW_API_EXAMPLES", "8"))


@pytest.fixture(scope="module")
def api_app(database_factory: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app on its own database (calls commit), the demo ward with a few documents; no rate limit in reach."""
    app = make_test_app(database_factory("api"), Path(tmp_path_factory.mktemp("api-data")),
                        api={"rate_limit": 1_000_000})
    yield app
    app.extensions["docflow.engine"].dispose()


@pytest.fixture(scope="module")
def seeded(api_app: Flask) -> dict[str, Any]:
    with api_app.app_context(), db.transaction() as s:
        seed_demo(s, organisation_name="UBND phường Thử Nghiệm")
        clerk = s.execute(select(User).where(User.username == "vanthu")).scalar_one()
        store, settings_ = api_app.extensions["docflow.store"], api_app.extensions["docflow.settings"]
        registered = incoming.register_incoming(
            s, actor=clerk, store=store, settings=settings_, upload=UploadedFile(io.BytesIO(pdf_bytes("st-in")), "a.pdf"),
            data=DocumentInput(kind=DocumentKind.INCOMING, doc_type="cong_van", summary="Về việc lịch tiếp dân",
                               issuing_body="UBND quận Thử Nghiệm", number_symbol="5/UBND-VP", department_id=None))
        draft = doc_service.upload_document(
            s, actor=clerk, store=store, max_bytes=10 * 1024 * 1024,
            upload=UploadedFile(io.BytesIO(pdf_bytes("st-out")), "b.pdf"),
            data=DocumentInput(kind=DocumentKind.OUTGOING, doc_type="cong_van", summary="Về việc trả lời",
                               department_id=clerk.department_id))
        s.add(Recipient(document_id=draft.id, external_name="Sở Nội vụ", sent_at=utc_now()))
        made = api_service.create_client(s, actor=None, user=clerk, name="schemathesis",
                                         scopes=tuple(api_service.SCOPES), expires_days=None)
        return {"token": made.token, "incoming": registered.document.id, "outgoing": draft.id,
                "year": registered.document.received_at.year}


def _operations(app: Flask) -> list[Any]:
    schema = schemathesis.openapi.from_wsgi(PREFIX + "/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(api_app: Flask, seeded: dict[str, Any]):
    headers = {"Authorization": f"Bearer {seeded['token']}"}
    for operation in _operations(api_app):
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=EXAMPLES <= 20,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)
        with api_app.app_context():
            run()


def test_the_seeded_documents_answer_as_the_schema_says(api_app: Flask, seeded: dict[str, Any]):
    """Random ids are mostly 404s: these cases reach the 200 answers of every read operation."""
    headers = {"Authorization": f"Bearer {seeded['token']}"}
    wanted = {
        "GET /documents": {"query": {"page_size": 5}},
        "GET /documents/{document_id}": {"path_parameters": {"document_id": seeded["incoming"]}},
        "GET /documents/{document_id}/versions": {"path_parameters": {"document_id": seeded["incoming"]}},
        "GET /documents/{document_id}/versions/{number}/file": {
            "path_parameters": {"document_id": seeded["incoming"], "number": 1}},
        "GET /registers": {"query": {"year": seeded["year"]}},
        "GET /registers/{year}/{kind}/entries": {"path_parameters": {"year": seeded["year"], "kind": "incoming"}},
        "GET /outgoing/{document_id}": {"path_parameters": {"document_id": seeded["outgoing"]}},
        "GET /exchange/{document_id}/recipients": {"path_parameters": {"document_id": seeded["outgoing"]}},
        "GET /search": {"query": {"q": "tiếp dân"}},
    }
    seen = {}
    for operation in _operations(api_app):
        if operation.label in wanted:
            case = operation.Case(**wanted[operation.label])
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)
            seen[operation.label] = response.status_code
    assert seen == {label: 200 for label in wanted}
