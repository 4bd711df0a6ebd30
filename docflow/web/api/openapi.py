"""The OpenAPI 3.1 document of /api/v1, written by hand from small parts and served at /api/v1/openapi.json.
A test checks that every /api/v1 route is in it and nothing else; schemathesis checks the answers against it."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from docflow.models import Confidentiality, DocumentKind, DocumentStatus, RegisterKind, Urgency
from docflow.services import api as api_service
from docflow.services.documents import SORTS
from docflow.web.api.base import bp
from docflow.web.api.schemas import REF, SCHEMAS, values

PREFIX = bp.url_prefix or ""

MAX_ID = 2**31 - 1
ERRORS = {400: "The request is malformed or a field is not acceptable.",
          401: "No usable bearer token (missing, unknown, expired, revoked), or a cookie instead of one.",
          403: "The client lacks the scope, or its user may not do this.",
          404: "No such resource (or not of this kind).",
          409: "A conflict: the same document is registered already, or a concurrent change.",
          413: "The upload is too large.",
          429: "The client's rate limit is reached; Retry-After says when to try again."}


def _param(name: str, where: str, schema: dict[str, Any], text: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path", "schema": schema,
            "description": text}


def _id(name: str, text: str) -> dict[str, Any]:
    return _param(name, "path", {"type": "integer", "minimum": 0, "maximum": MAX_ID}, text)


PAGE = [_param("page", "query", {"type": "integer", "minimum": 1, "maximum": 10_000}, "Page, from 1."),
        _param("page_size", "query", {"type": "integer", "minimum": 1, "maximum": 100}, "Items a page (20).")]
FILTERS = [
    _param("q", "query", {"type": "string", "maxLength": 100}, "Words that must all occur."),
    _param("kind", "query", values(DocumentKind), "Incoming, outgoing or internal."),
    _param("doc_type", "query", {"type": "string", "maxLength": 30}, "Document type code (cong_van, quyet_dinh, …)."),
    _param("status", "query", values(DocumentStatus), "Workflow state."),
    _param("department_id", "query", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "Department."),
    _param("date_from", "query", {"type": "string", "format": "date"}, "Document date from (YYYY-MM-DD)."),
    _param("date_to", "query", {"type": "string", "format": "date"}, "Document date to (YYYY-MM-DD)."),
]
SORT = [_param("sort", "query", {"type": "string", "enum": sorted(SORTS)}, "Sort key (created)."),
        _param("order", "query", {"type": "string", "enum": ["asc", "desc"]}, "Sort order (desc).")]


HEADERS = {401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer realm=\"docflow\""}},
           429: {"Retry-After": {"schema": {"type": "integer", "minimum": 1}, "required": True,
                                 "description": "Seconds until the client may call again."}}}


def _json(schema: str, text: str, status: int = 200) -> dict[str, Any]:
    answer = {"description": text, "content": {"application/json": {"schema": {"$ref": REF + schema}}}}
    return {**answer, "headers": HEADERS[status]} if status in HEADERS else answer


def _op(summary: str, scope: str | None, ok: dict[str, Any], errors: tuple[int, ...], *, status: int = 200,
        parameters: list[dict[str, Any]] | None = None, body: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "parameters": parameters or [],
                                 "responses": {str(status): ok, **{str(code): _json("Error", ERRORS[code], code)
                                                                   for code in errors}}}
    if scope is None:
        operation["security"] = []
    else:
        operation["description"] = f"Needs the scope `{scope}`, and the client's user's own permission."
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": body}}}
    return operation


READ = (400, 401, 403, 404, 429)
FILE = {"type": "string", "format": "binary", "contentMediaType": "application/pdf"}
REGISTRATION = {"type": "object", "required": ["file", "doc_type", "summary"], "properties": {
    "file": FILE, "doc_type": {"type": "string", "maxLength": 30}, "summary": {"type": "string", "maxLength": 2000},
    "number_symbol": {"type": "string", "maxLength": 100}, "document_date": {"type": "string", "format": "date"},
    "issuing_body": {"type": "string", "maxLength": 300}, "urgency": values(Urgency),
    "confidentiality": values(Confidentiality), "deadline": {"type": "string", "format": "date"},
    "department_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "receipt_note": {"type": "string", "maxLength": 300},
    "confirm_duplicate": {"type": "string", "enum": ["0", "1", "true", "false"]}}}
DOC_ID = _id("document_id", "The document's id.")


def paths() -> dict[str, Any]:
    return {**_document_paths(), **_other_paths()}


def _document_paths() -> dict[str, Any]:
    pdf = {"description": "The version's PDF.", "content": {"application/pdf": {"schema": FILE}}}
    return {
        "/openapi.json": {"get": _op("This document.", None, {
            "description": "The OpenAPI document.", "content": {"application/json": {"schema": {"type": "object"}}}},
            (429,))},
        "/documents": {"get": _op("Documents the user may see.", "documents:read",
                                         _json("DocumentPage", "A page of documents."), READ,
                                         parameters=[*FILTERS, *SORT, *PAGE])},
        "/documents/{document_id}": {"get": _op("One document.", "documents:read",
                                                       _json("DocumentDetail", "The document."), READ,
                                                       parameters=[DOC_ID])},
        "/documents/{document_id}/versions": {"get": _op(
            "A document's versions.", "documents:read", _json("VersionList", "Oldest first."), READ,
            parameters=[DOC_ID])},
        "/documents/{document_id}/versions/{number}/file": {"get": _op(
            "A version's PDF.", "documents:read", pdf, READ, parameters=[DOC_ID, _id("number", "Version number.")])},
    }


def _other_paths() -> dict[str, Any]:
    return {
        "/registers": {"get": _op("The year's registers and their counts.", "registers:read",
                                         _json("Registers", "The registers."), READ, parameters=[_param(
                                             "year", "query", {"type": "integer", "minimum": 1900, "maximum": 9999},
                                             "Year (this year).")])},
        "/registers/{year}/{kind}/entries": {"get": _op(
            "A register's entries.", "registers:read", _json("RegisterEntries", "A page of entries."), READ,
            parameters=[_param("year", "path", {"type": "integer", "minimum": 1900, "maximum": 9999}, "Year."),
                        _param("kind", "path", values(RegisterKind), "Which register."),
                        _param("order", "query", {"type": "string", "enum": ["asc", "desc"]}, "Number order."),
                        *PAGE])},
        "/incoming": {"post": _op("Register an incoming document.", "incoming:write",
                                         _json("Registration", "Registered."), (400, 401, 403, 404, 409, 413, 429),
                                         status=201, body=REGISTRATION)},
        "/outgoing/{document_id}": {"get": _op("An outgoing document's state and recipients.",
                                                      "outgoing:read", _json("OutgoingStatus", "Its state."), READ,
                                                      parameters=[DOC_ID])},
        "/exchange/{document_id}/recipients": {"get": _op(
            "The external recipients' exchange status.", "exchange:read", _json("ExchangeStatus", "Recipients."),
            READ, parameters=[DOC_ID])},
        "/verify": {"post": _op("Verify a PDF's signatures.", "verify",
                                       _json("VerificationReport", "The report."), (400, 401, 403, 413, 429),
                                       body={"type": "object", "required": ["file"], "properties": {"file": FILE}})},
        "/search": {"get": _op("Full-text search.", "search", _json("SearchResults", "Ranked hits."), READ,
                                      parameters=[*FILTERS, *PAGE])},
    }


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "docflow API", "version": "1.0.0",
                 "description": "Documents, registers, incoming registration, outgoing and exchange status, "
                                "verification and search of one ward. Scopes: " + ", ".join(api_service.SCOPES)},
        "servers": [{"url": PREFIX}],
        "security": [{"bearer": []}],
        "paths": paths(),
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "A client's token (dfk_…)."}},
                       "schemas": SCHEMAS},
    }


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI document (no token needed: it holds no data)."""
    return jsonify(document())
