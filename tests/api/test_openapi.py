"""The OpenAPI document: valid OpenAPI 3.1, served without a token, and exactly the /api/v1 routes Flask has."""

from __future__ import annotations

import re

import schemathesis
from flask import Flask

from docflow.web.api.openapi import PREFIX, document


def _flask_routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len(PREFIX):])
            routes |= {(method.lower(), path) for method in rule.methods or () if method not in ("HEAD", "OPTIONS")}
    return routes


def test_every_api_route_is_in_the_openapi_document_and_nothing_else(app: Flask) -> None:
    documented = {(method, path) for path, item in document()["paths"].items() for method in item}
    assert documented == _flask_routes(app)


def test_every_documented_parameter_is_in_the_route(app: Flask) -> None:
    for path, item in document()["paths"].items():
        in_path = set(re.findall(r"{([a-z_]+)}", path))
        for operation in item.values():
            declared = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert declared == in_path, path


def test_every_operation_but_the_document_itself_needs_the_bearer_token() -> None:
    spec = document()
    assert spec["security"] == [{"bearer": []}]
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "A client's token (dfk_…)."}
    for path, item in spec["paths"].items():
        for operation in item.values():
            assert ("security" in operation) == (path == "/openapi.json")
            if path != "/openapi.json":
                assert {"401", "403", "429"} <= set(operation["responses"])


def test_the_document_is_served_without_a_token_and_schemathesis_reads_it(app: Flask, db_session) -> None:
    answer = app.test_client().get(PREFIX + "/openapi.json")
    assert answer.status_code == 200 and answer.get_json()["openapi"] == "3.1.0"
    schema = schemathesis.openapi.from_wsgi(PREFIX + "/openapi.json", app)
    labels = {result.ok().label for result in schema.get_all_operations()}
    # schemathesis leaves out the operation that serves the schema it was loaded from
    assert labels == {f"{m.upper()} {p}" for m, p in _flask_routes(app)} - {"GET /openapi.json"}
