"""The JSON Schemas of the API's bodies (OpenAPI 3.1, so JSON Schema 2020-12: ``type: [x, "null"]``), one
per resource as serialise.py writes it. Kept beside the serialisers; a test checks answers against them."""

from __future__ import annotations

from typing import Any

from docflow.exchange.message import STATUS_CODES
from docflow.models import Confidentiality, DocumentKind, DocumentStatus, RegisterKind, Urgency


def obj(properties: dict[str, Any], *, extra: bool = False) -> dict[str, Any]:
    """An object with exactly these keys, all present."""
    return {"type": "object", "properties": properties, "required": sorted(properties),
            "additionalProperties": extra}


def nullable(kind: str, **more: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **more}


def values(enum_cls: type) -> dict[str, Any]:
    return {"type": "string", "enum": [member.value for member in enum_cls]}  # type: ignore[attr-defined]


STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
DATE = nullable("string", format="date")
TIME = nullable("string", format="date-time")
REF = "#/components/schemas/"

DOCUMENT = {
    "id": INT, "kind": values(DocumentKind), "doc_type": STR, "number_symbol": nullable("string"),
    "document_date": DATE, "issuing_body": STR, "summary": STR, "urgency": values(Urgency),
    "confidentiality": values(Confidentiality), "status": values(DocumentStatus), "deadline": DATE,
    "department_id": nullable("integer"), "department": nullable("string"), "register_number": nullable("integer"),
    "received_at": TIME, "issued_at": TIME, "recalled_at": TIME, "created_at": TIME,
}
VERSION = {"number": INT, "sha256": STR, "size": INT, "page_count": INT, "kind": STR, "note": STR,
           "original_filename": nullable("string"), "created_at": TIME, "author": STR}
RECIPIENT = {"id": INT, "department_id": nullable("integer"), "name": STR, "external": BOOL, "sent_at": TIME,
             "status": {"type": "string", "enum": ["pending", "sent"]},
             "delivered_document_id": nullable("integer"),
             # R66's codes: 01 received, 02 refused, 03 accepted, 04 assigned, 05 in progress, 06 completed,
             # 13 recall requested, 14 recall/update agreed, 15 recall refused; null before the partner answers
             "exchange": {"oneOf": [{"type": "null"}, obj({
                 "partner_organ_id": STR, "document_ref": STR,
                 "status_code": {"enum": [None, *STATUS_CODES]}, "status_at": TIME, "description": STR})]}}
ENTRY = {"document_id": INT, "number": INT, "series": STR, "doc_type": STR, "summary": STR, "masked": BOOL,
         "number_symbol": STR, "document_date": DATE, "issuing_body": STR, "received_on": DATE, "issued_on": DATE,
         "urgency": values(Urgency), "confidentiality": values(Confidentiality), "status": values(DocumentStatus),
         "deadline": DATE, "department": STR, "signer": STR, "recipients": {"type": "array", "items": STR},
         "progress": STR}
PROBLEM = obj({"code": STR, "message": STR})
SIGNATURE = {"field": STR, "signer": STR, "signing_time": TIME, "timestamp_time": TIME, "intact": BOOL,
             "trusted": BOOL, "revoked": nullable("boolean"), "coverage": STR, "modification_level": STR,
             "pades_level": nullable("string"), "problems": {"type": "array", "items": PROBLEM}}
PAGED = {"total": INT, "page": INT, "page_size": INT}


def listing(item: str, **more: Any) -> dict[str, Any]:
    return obj({"items": {"type": "array", "items": {"$ref": REF + item}}, **more})


SCHEMAS: dict[str, Any] = {
    "Error": obj({"error": STR, "status": INT}),
    "Document": obj(DOCUMENT),
    "Version": obj(VERSION),
    "DocumentDetail": obj({**DOCUMENT, "versions": {"type": "array", "items": {"$ref": REF + "Version"}}}),
    "DocumentPage": listing("Document", **PAGED, more=BOOL, pages=INT),
    "VersionList": listing("Version"),
    "Registers": obj({"year": INT, "years": {"type": "array", "items": INT}, "items": {"type": "array", "items": obj(
        {"kind": values(RegisterKind), "year": INT, "entries": INT})}}),
    "RegisterEntry": obj(ENTRY),
    "RegisterEntries": listing("RegisterEntry", kind=values(RegisterKind), year=INT, **PAGED, pages=INT),
    "Registration": obj({**DOCUMENT, "number": INT, "number_label": STR,
                         "duplicate_of": {"type": "array", "items": INT},
                         "verification": {"oneOf": [{"type": "null"}, obj({"valid": BOOL, "signatures": INT})]}}),
    "Recipient": obj(RECIPIENT),
    "OutgoingStatus": obj({"id": INT, "status": values(DocumentStatus), "number_symbol": nullable("string"),
                           "register_number": nullable("integer"), "issued_at": TIME, "recalled_at": TIME,
                           "signer": nullable("string"),
                           "recipients": {"type": "array", "items": {"$ref": REF + "Recipient"}}}),
    "ExchangeStatus": listing("Recipient", document_id=INT),
    # The verification report is the page's and `docflow verify --json`'s, with the keys docflow adds.
    "VerificationReport": obj({
        "valid": BOOL, "sha256": STR, "verified_at": TIME, "errors": {"type": "array", "items": PROBLEM},
        "signatures": {"type": "array", "items": obj(SIGNATURE, extra=True)},
        "issued": {"type": ["object", "null"]}}),
    "SearchHit": obj({"document": {"$ref": REF + "Document"}, "page": nullable("integer"), "where": STR,
                      "snippet": STR, "matches": {"type": "array", "items": STR}}),
    "SearchResults": listing("SearchHit", **PAGED, more=BOOL),
}
