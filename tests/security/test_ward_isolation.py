"""Ward isolation (issue 16, §1): two wards in one database; every role of each signs in and tries every route of
the app (``app.url_map``) with the other ward's ids, and every API operation with its own client's token and
the other ward's ids. Each answer is a refusal (404 or 403) and no page, list, search, export or report shows
anything of the other ward (its documents' trích yếu, its people, its petitions, its clients and partners).

The walk is complete by construction: every parameter name of a route must have a kind of id here, and every
route without an id is listed in NO_ID with how it is tried, so a new route fails this suite until it is
added and tried."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
from werkzeug.routing import Rule

from docflow import wards
from tests.conftest import WebClient
from tests.security.wards import B_NAMES, ROLES, TwoWards, Ward, two_wards  # noqa: F401 (the module's fixture)

PASSWORD = "TichSon@2026"
PEOPLE = set(B_NAMES.values())   # ward B's people's full names
REFUSED = {403, 404}

# A route's parameter -> the kind of the other ward's id it is filled with (Ward.ids keys).
ID_PARAMS = {
    "document_id": "document", "attachment_id": "attachment", "assignment_id": "assignment",
    "proposal_id": "proposal", "contribution_id": "contribution", "step_id": "step", "client_id": "client",
    "certificate_id": "certificate", "department_id": "department", "user_id": "user", "copy_id": "copy",
    "delegation_id": "delegation", "notification_id": "notification", "phrase_id": "phrase", "saved_id": "saved",
    "inbox_id": "inbox", "item_id": "outbox", "organ_id": "partner", "file_id": "file", "heading_id": "heading",
    "petition_id": "petition", "run_id": "run", "seq": "audit", "job_id": "job", "sha256": "sha256",
}
# Parameters that name no row of a ward: the value tried.
OTHER_PARAMS = {"number": 1, "year": date.today().year, "kind": "incoming", "fmt": "csv", "doc_type": "cong_van",
                "filename": "app.css", "encoded": "MAA=", "part": "cover", "name": "mine", "code": ""}

# Every route without an id of a ward's row, and how it is tried: "get" (the page with the other ward's
# strings and ids in its query string must show none of them), "post" (the form with the other ward's ids
# must show none of them either), or why it is not tried.
GET, POST = "get", "post"
NO_ID: dict[str, dict[str, str]] = {
    "/": {"GET": GET},
    "/account/api-clients/": {"GET": GET, "POST": "makes a client for the signed-in user (their own ward)"},
    "/account/password": {"GET": GET, "POST": "changes the signed-in user's own password"},
    "/account/pin/change": {"POST": "changes a PIN of the signed-in user's own certificate (certificate_id: "
                                    "test_pin_forms_refuse_the_other_wards_certificates)"},
    "/account/pin/enrol": {"POST": "as /account/pin/change"},
    "/account/signature": {"GET": GET, "POST": "uploads the signed-in user's own signature image"},
    "/account/signature/image": {"GET": GET},
    "/admin/api-clients/": {"GET": GET},
    "/admin/certificates": {"GET": GET, "POST": POST},
    "/admin/departments": {"GET": GET, "POST": "creates a department in the signed-in admin's ward"},
    "/admin/format-checks": {"GET": GET, "POST": "sets the signed-in admin's ward's settings"},
    "/admin/queue/": {"GET": GET},
    "/admin/seal": {"GET": GET, "POST": "uploads the ward's own seal"},
    "/admin/seal/image.png": {"GET": GET},
    "/admin/users": {"GET": GET, "POST": POST},
    "/api/v1/documents": {"GET": "the API test"},
    "/api/v1/incoming": {"POST": "the API test"},
    "/api/v1/openapi.json": {"GET": "the API's description, the same for every ward"},
    "/api/v1/registers": {"GET": "the API test"},
    "/api/v1/registers/<int:year>/<kind>/entries": {"GET": "the API test"},
    "/api/v1/search": {"GET": "the API test"},
    "/api/v1/verify": {"POST": "verifies the uploaded file itself, no ward's data"},
    "/archive/renewals": {"GET": GET, "POST": "starts a renewal of the signed-in admin's own ward"},
    "/audit/": {"GET": GET},
    "/audit/access-changes": {"GET": GET},
    "/audit/access-changes/confirm": {"POST": POST},
    "/audit/checkpoints": {"GET": GET, "POST": "signs a checkpoint of the audit log"},
    "/audit/evidence/register": {"POST": POST},
    "/audit/verify": {"POST": "verifies the audit chain"},
    "/citizens/petition": {"GET": "public: test_citizens_track_only_their_own_ward",
                           "POST": "public: a citizen's new petition"},
    "/citizens/rate": {"POST": "public: test_citizens_track_only_their_own_ward"},
    "/citizens/track": {"GET": "public", "POST": "public: test_citizens_track_only_their_own_ward"},
    "/copies/": {"GET": GET},
    "/copies/export.<fmt>": {"GET": GET},
    "/copies/paper": {"POST": "copies the clerk's own scan"},
    "/dashboard/": {"GET": GET},
    "/delegations/": {"GET": GET, "POST": POST},
    "/documents/": {"GET": GET},
    "/documents/new": {"GET": GET, "POST": POST},
    "/exchange/outbox/": {"GET": GET},
    "/exchange/partners": {"GET": GET, "POST": "adds a partner to the signed-in admin's ward"},
    "/exchange/received": {"GET": GET},
    "/health": {"GET": "public: the process answers, no ward's data"},
    "/incoming/": {"GET": GET},
    "/incoming/memos/new": {"GET": GET, "POST": POST},
    "/incoming/new": {"GET": GET, "POST": POST},
    "/language": {"POST": "sets the session's language"},
    "/login": {"GET": "public", "POST": "signs in"},
    "/logout": {"POST": "signs out"},
    "/metrics": {"GET": "loopback only: the deployment's counters, no ward's rows (tests/security/test_metrics_access)"},
    "/notifications/": {"GET": GET},
    "/notifications/read": {"POST": "marks the signed-in user's own notifications read"},
    "/notifications/unread-count": {"GET": GET},
    "/outgoing/": {"GET": GET},
    "/outgoing/batch": {"GET": GET, "POST": POST},
    "/outgoing/new": {"GET": GET, "POST": POST},
    "/outgoing/template.pdf": {"GET": GET},
    "/outgoing/templates/<doc_type>.docx": {"GET": GET},
    "/petitions/": {"GET": GET},
    "/petitions/new": {"GET": GET, "POST": "registers a petition in the clerk's own ward"},
    "/phrases/": {"GET": GET, "POST": "adds the signed-in leader's own phrase"},
    "/pki/crl": {"GET": "public: the CA's revocation list"},
    "/pki/ocsp": {"POST": "public: the CA's OCSP responder"},
    "/pki/ocsp/<path:encoded>": {"GET": "public: the CA's OCSP responder"},
    "/pki/root.pem": {"GET": "public: the CA's root"},
    "/province/wards": {"GET": GET, "POST": "the province administrator's (tests/security/test_province_admin)"},
    "/queues/": {"GET": GET},
    "/ready": {"GET": "public: the database and the queue answer, no ward's data"},
    "/queues/<name>": {"GET": GET},
    "/records/": {"GET": GET},
    "/records/appraisal": {"GET": GET},
    "/records/appraisal/destroy": {"POST": POST},
    "/records/plan/<int:year>/approve": {"POST": "approves the signed-in leader's own ward's plan"},
    "/records/plan/<int:year>/copy": {"POST": "copies the ward's own plan"},
    "/records/plan/<int:year>/headings": {"POST": POST},
    "/records/transfers": {"GET": GET},
    "/records/transfers.csv": {"GET": GET},
    "/registers/": {"GET": GET},
    "/registers/<int:year>/<kind>": {"GET": GET},
    "/registers/<int:year>/<kind>/close": {"POST": "closes the ward's own register"},
    "/registers/<int:year>/<kind>/closing.pdf": {"GET": GET},
    "/registers/<int:year>/<kind>/export.<fmt>": {"GET": GET},
    "/search/": {"GET": GET},
    "/search/export.<any(csv, xlsx):fmt>": {"GET": GET},
    "/search/saved": {"POST": "saves the signed-in user's own search"},
    "/v/<code>": {"GET": "public: test_public_verification_shows_only_the_documents_public_fields",
                  "POST": "public: verifies an uploaded copy against the code's document"},
    "/verify": {"GET": GET, "POST": "verifies the uploaded file itself"},
}


def _rules(two: TwoWards) -> list[Rule]:
    return sorted((r for r in two.app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)


def _methods(rule: Rule) -> list[str]:
    return sorted(m for m in rule.methods or () if m in ("GET", "POST"))


def _has_id(rule: Rule) -> bool:
    return any(name in ID_PARAMS for name in _ordered(rule))


def _document(ward: Ward, rule: Rule) -> int:
    """The ward's document of the route's kind (an incoming one for /incoming/..., an outgoing one for
    /outgoing/...): the route's first check is then the ward, not the kind."""
    if rule.rule.startswith("/incoming/"):
        return ward.ids["incoming"][-1]
    if rule.rule.startswith(("/outgoing/", "/copies/", "/api/v1/outgoing", "/api/v1/exchange")):
        return ward.ids["outgoing"][-1]
    return ward.ids["incoming"][-1] if "assignment" in rule.rule else ward.ids["document"][0]


def _value(name: str, ward: Ward, rule: Rule) -> Any:
    if name == "document_id":
        return _document(ward, rule)
    kind = ID_PARAMS[name]
    found = ward.ids.get(kind) or []
    if not found:
        raise AssertionError(f"ward {ward.name} has no {kind} to try {rule.rule} with: seed one")
    return found[0]


def _urls(rule: Rule, own: Ward, other: Ward) -> Iterator[str]:
    """The rule filled with the other ward's ids; and, when it takes several, with the own ward's first id
    (a row this user may see) and the other ward's for the rest (a row of another ward reached through one's
    own)."""
    ids = [name for name in _ordered(rule) if name in ID_PARAMS]
    variants = [set(ids)]
    if len(ids) > 1:
        ordered = [name for name in _ordered(rule) if name in ID_PARAMS]
        variants.append(set(ordered[1:]))
    for others in variants:
        values = {name: _value(name, other if name in others else own, rule) if name in ID_PARAMS
                  else OTHER_PARAMS[name] for name in _ordered(rule)}
        yield _build(rule, values)


def _ordered(rule: Rule) -> list[str]:
    return [name for converter, name in _parts(rule) if converter is not None]


def _parts(rule: Rule) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    text = rule.rule
    while "<" in text:
        before, rest = text.split("<", 1)
        inner, text = rest.split(">", 1)
        out.append((None, before))
        converter, _, name = inner.rpartition(":")
        out.append((converter or "default", name))
    out.append((None, text))
    return out


def _build(rule: Rule, values: dict[str, Any]) -> str:
    return "".join(quote(str(values[name]), safe="") if converter else name for converter, name in _parts(rule))


def _body(response: Any) -> str:
    """The answer as text: a page, JSON or CSV (a PDF or an image is read as bytes: a mark in clear shows)."""
    return response.get_data().decode("utf-8", errors="replace")


def _leaks(body: str, other: Ward) -> list[str]:
    return [mark for mark in other.marks if mark in body]


# Routes that answer another's id as they answer an id that does not exist, without saying so: the place they
# send back to (someone else's notice is not opened, and the answer does not tell whether it exists).
SILENT = {"/notifications/<int:notification_id>/open": "/notifications/"}


def _refused(client: WebClient, rule: Rule, response: Any) -> bool:
    """404 or 403; or a form's refusal: 400, or back to a page that says what went wrong (a flashed error)."""
    if rule.rule in SILENT:
        return response.status_code in REFUSED or (response.status_code == 302
                                                   and response.location.endswith(SILENT[rule.rule]))
    if response.status_code in (*REFUSED, 400):
        return True
    if response.status_code == 302:
        page = client.get(response.location).get_data(as_text=True)
        return "alert-danger" in page or "alert-warning" in page
    return False


def _client(two: TwoWards, ward: Ward, role: str) -> WebClient:
    client = WebClient(two.app.test_client())
    response = client.login(ward.username(role), PASSWORD)
    assert response.status_code == 302, f"{ward.username(role)} could not sign in"
    return client


def _form(other: Ward) -> dict[str, Any]:
    """A form naming the other ward's rows in every id field the app's forms have."""
    user, department, document = other.ids["user"][-1], other.ids["department"][0], other.ids["document"][0]
    return {"department_id": department, "user_id": user, "delegate_id": user, "delegator_id": user,
            "signer_id": user, "handler_id": user, "holder_id": user, "responsible_id": user, "reviewer_ids": user,
            "document_id": document, "documents": [f"{document}:1"], "file_ids": other.ids["file"][0],
            "seqs": other.ids["audit"][0], "seq": other.ids["audit"][0], "year": date.today().year,
            "name": "Thử", "code": "TH", "username": "thu.isolation", "full_name": "Thử", "role": "official",
            "pin": "246810", "title": "Thử", "summary": "Thử", "doc_type": "cong_van", "kind": "personal", "reason": "Thử"}


DIRECTIONS = [("a", "b"), ("b", "a")]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("own_name,other_name", DIRECTIONS, ids=["A-tries-B", "B-tries-A"])
def test_every_route_refuses_the_other_wards_ids(two_wards: TwoWards, own_name: str, other_name: str,
                                                  role: str) -> None:
    """Every route with an id, GET and POST, as every role of one ward with the other ward's ids: 404 or 403,
    and no page or list without an id shows the other ward's data."""
    own, other = getattr(two_wards, own_name), getattr(two_wards, other_name)
    client = _client(two_wards, own, role)
    # the same walk reaches the user's own ward: the refusals below are the ward's, not the role's
    if role != "admin":
        assert client.get(f"/documents/{own.ids['outgoing'][-1]}").status_code == 200
    failures = []
    for rule in _rules(two_wards):
        if rule.rule.startswith("/api/") or "<int:seq>" in rule.rule:
            # A seq is a position in the signed-in ward's own audit chain (one chain per ward): another ward's
            # position names an event of this ward's chain. test_access_changes_bulk proves another ward's
            # change is never listed nor confirmed.
            continue
        for method in _methods(rule):
            if _has_id(rule):
                for url in _urls(rule, own, other):
                    response = (client.get(url) if method == "GET"
                                else client.post(url, _form(other), buffered=True))
                    body = _body(response)
                    if not _refused(client, rule, response) or _leaks(body, other):
                        failures.append(f"{method} {url} -> {response.status_code} {_leaks(body, other)}")
            elif NO_ID.get(rule.rule, {}).get(method) in (GET, POST):
                url = _build(rule, {**OTHER_PARAMS, **{n: OTHER_PARAMS[n] for n in _ordered(rule)}})
                if method == "GET":
                    query = (f"q={quote(other.probe)}&department_id={other.ids['department'][0]}"
                             f"&user={quote(other.username('truongdc'))}&document={other.ids['document'][0]}")
                    response = client.get(f"{url}?{query}")
                else:
                    response = client.post(url, _form(other), buffered=True)
                body = _body(response)
                if response.status_code >= 500 or _leaks(body, other):
                    failures.append(f"{method} {url} -> {response.status_code} {_leaks(body, other)}")
    assert client.get("/").status_code == 200, "the walk signed the user out: the later answers prove nothing"
    assert not failures, "\n".join(failures)


def test_the_walk_covers_every_route(two_wards: TwoWards) -> None:
    """A new route fails here until the walk knows how to try it: each of its parameters is a kind of id (or a
    value that names no row), and a route without an id is listed in NO_ID for each of its methods."""
    for rule in _rules(two_wards):
        unknown = [n for n in _ordered(rule) if n not in ID_PARAMS and n not in OTHER_PARAMS]
        assert not unknown, f"{rule.rule}: which ward's id is {unknown}? add it to ID_PARAMS or OTHER_PARAMS"
        if not _has_id(rule):
            listed = NO_ID.get(rule.rule, {})
            assert set(_methods(rule)) <= set(listed), f"{rule.rule} {_methods(rule)}: add it to NO_ID"
    rules = {r.rule for r in _rules(two_wards)}
    assert set(NO_ID) <= rules, f"NO_ID names routes that are gone: {set(NO_ID) - rules}"


@pytest.mark.parametrize("own_name,other_name", DIRECTIONS, ids=["A-tries-B", "B-tries-A"])
def test_every_api_operation_refuses_the_other_wards_ids(two_wards: TwoWards, own_name: str,
                                                         other_name: str) -> None:
    """Every /api/v1 operation with a token of one ward's client and the other ward's ids: 404 or 403; the
    lists, the registers and the search show nothing of the other ward."""
    own, other = getattr(two_wards, own_name), getattr(two_wards, other_name)
    client = two_wards.app.test_client()
    headers = {"Authorization": f"Bearer {own.token}"}
    # the token works: its own ward's document answers (the refusals below are the ward's, not the token's)
    assert client.get(f"/api/v1/documents/{own.ids['outgoing'][-1]}", headers=headers).status_code == 200
    failures = []
    for rule in _rules(two_wards):
        if not rule.rule.startswith("/api/"):
            continue
        for method in _methods(rule):
            if _has_id(rule):
                urls = list(_urls(rule, own, other))
            elif method == "GET" and rule.rule != "/api/v1/openapi.json":
                url = _build(rule, {n: OTHER_PARAMS[n] for n in _ordered(rule)})
                urls = [f"{url}?q={quote(other.probe)}&department_id={other.ids['department'][0]}"]
            elif rule.rule == "/api/v1/incoming":
                urls = ["/api/v1/incoming"]
            else:
                continue
            for url in urls:
                if method == "GET":
                    response = client.get(url, headers=headers)
                else:
                    response = client.post(url, headers=headers, json={
                        "summary": "Thử", "doc_type": "cong_van", "issuing_body": "Thử",
                        "department_id": other.ids["department"][0]})
                body = _body(response)
                wrong = (_has_id(rule) or method == "POST") and response.status_code not in (*REFUSED, 400, 422)
                if wrong or response.status_code >= 500 or _leaks(body, other):
                    failures.append(f"{method} {url} -> {response.status_code} {_leaks(body, other)}")
    assert not failures, "\n".join(failures)


def test_nothing_one_ward_did_touched_the_others_rows(two_wards: TwoWards) -> None:
    """After every walk above: no event of the audit log records a person of one ward acting on a document,
    petition, user or certificate of the other (every change is audited, so a change that slipped through a
    refusal shows here)."""
    from sqlalchemy import select
    from docflow import db
    from docflow.models import AuditEvent, Certificate, Document, Petition, User
    crossed = []
    with two_wards.app.app_context():
        session = db.get_session()
        ward_of_user = dict(session.execute(select(User.id, User.organisation_id)).all())
        owners = {kind: dict(session.execute(select(model.id, model.organisation_id)).all())
                  for kind, model in (("document", Document), ("petition", Petition), ("user", User),
                                      ("certificate", Certificate))}
        for event in session.execute(select(AuditEvent).where(AuditEvent.actor_id.is_not(None))).scalars():
            owner = owners.get(event.object_type, {}).get(int(event.object_id)) if event.object_id.isdigit() else None
            if owner is not None and owner != ward_of_user[event.actor_id]:
                crossed.append(f"{event.seq} {event.action} {event.object_type} {event.object_id}")
    assert not crossed, "\n".join(crossed)


def test_the_search_command_finds_only_the_users_own_ward(two_wards: TwoWards) -> None:
    """`docflow search` as a person of one ward finds nothing of the other ward's (R53's search, issue 16)."""
    import json
    from docflow.commands.search import search
    from tests.cli.inprocess import in_process
    run = in_process(two_wards.app, search)
    b = two_wards.b
    theirs = json.loads(run(b.probe, "--user", b.username("chutich"), "--json").output)
    assert theirs, "ward B's leader finds ward B's documents"
    assert json.loads(run(b.probe, "--user", "chutich", "--json").output) == []
    assert not _leaks(run("quyết định", "--user", "chutich", "--json").output, b)
    assert not _leaks(run("quyết định", "--user", b.username("chutich"), "--json").output, two_wards.a)


@pytest.mark.parametrize("kind", ["on-time", "processing", "issued", "petitions"])
def test_reports_count_only_the_wards_own_documents(two_wards: TwoWards, kind: str) -> None:
    """`docflow --ward CODE report ...` counts the ward it names only: the two wards' figures differ as their
    documents do, and neither names the other's departments."""
    from docflow.commands.report import report
    from tests.cli.inprocess import in_process
    run = in_process(two_wards.app, report)
    outputs = {}
    for ward in (two_wards.a, two_wards.b):
        with wards.acting_for(ward.id):
            result = run(kind, "--json")
        assert result.exit_code == 0, result.output
        outputs[ward.id] = result.output
    a, b = outputs[two_wards.a.id], outputs[two_wards.b.id]
    assert "(LB)" not in a     # ward B's department names carry (LB)
    assert not _leaks(a, two_wards.b) and not _leaks(b, two_wards.a)
    if kind == "issued":
        assert a != b      # ward A issued three documents, ward B one


@pytest.mark.parametrize("own_name,other_name", DIRECTIONS, ids=["A-tries-B", "B-tries-A"])
def test_pin_forms_refuse_the_other_wards_certificates(two_wards: TwoWards, own_name: str,
                                                       other_name: str) -> None:
    """A holder's PIN forms name a certificate by id: one of the other ward's, even its own leader's, is refused
    and keeps its PIN (the demo PIN still opens it afterwards: the test's other walks sign with it)."""
    own, other = getattr(two_wards, own_name), getattr(two_wards, other_name)
    client = _client(two_wards, own, "chutich")
    for certificate_id in other.ids["certificate"]:
        for url, form in (("/account/pin/change", {"old_pin": "246810", "pin": "135792", "confirm_pin": "135792"}),
                          ("/account/pin/enrol", {"code": "AAAA-BBBB", "pin": "135792", "confirm_pin": "135792"})):
            response = client.post(url, {"certificate_id": certificate_id, **form}, buffered=True)
            rule = next(r for r in two_wards.app.url_map.iter_rules() if r.rule == url)
            assert _refused(client, rule, response), f"{url} {certificate_id} -> {response.status_code}"


def test_citizens_track_only_their_own_ward(two_wards: TwoWards) -> None:
    """A receipt code and phone find the petition in the ward it was sent to only: the same pair given to the
    other ward is the same "no such petition" as a wrong phone (the ward of a public page is the one it names)."""
    client = WebClient(two_wards.app.test_client())
    for own, other in ((two_wards.a, two_wards.b), (two_wards.b, two_wards.a)):
        code, phone = other.petition
        with wards.acting_for(own.id):
            refused = client.post("/citizens/track", {"code": code, "phone": phone})
            rated = client.post("/citizens/rate", {"code": code, "phone": phone, "rating": "5"})
        with wards.acting_for(other.id):
            found = client.post("/citizens/track", {"code": code, "phone": phone})
        assert refused.status_code == 404 and not _leaks(_body(refused), other)
        assert rated.status_code == 404
        assert found.status_code == 200 and any(mark in _body(found) for mark in other.marks)


def test_public_verification_shows_only_the_documents_public_fields(two_wards: TwoWards) -> None:
    """A public code (printed on the paper) opens its document's public page: that document's public fields,
    nothing else of its ward (no other document, no person's account), nothing of the ward the page is opened
    under; opened under another ward it is that document's page or none at all."""
    client = WebClient(two_wards.app.test_client())
    for own, other in ((two_wards.a, two_wards.b), (two_wards.b, two_wards.a)):
        for ward in (own, other):
            with wards.acting_for(ward.id):
                page = client.get(f"/v/{other.public_code}")
            body = _body(page)
            assert page.status_code == 200 or (page.status_code == 404 and ward is own)
            shown = [mark for mark in other.marks if mark in body and mark not in PEOPLE]   # the signer is public
            assert shown == ([other.public_summary] if page.status_code == 200 else [])
            assert not _leaks(body, own)


@pytest.mark.parametrize("own_name,other_name", DIRECTIONS, ids=["A-tries-B", "B-tries-A"])
def test_evidence_packs_hold_only_the_wards_own_documents(two_wards: TwoWards, own_name: str,
                                                          other_name: str) -> None:
    """The evidence pack of a register range (the auditor's) holds the ward's own entries only: every register
    of the two wards numbers from 1 in the same year, and the pack of entries 1..100 is of one ward."""
    import io
    import zipfile
    own, other = getattr(two_wards, own_name), getattr(two_wards, other_name)
    client = _client(two_wards, own, "thanhtra")
    for kind in ("incoming", "outgoing"):
        response = client.post("/audit/evidence/register", {"kind": kind, "year": date.today().year, "first": 1,
                                                             "last": 100}, buffered=True)
        assert response.status_code == 200 and response.mimetype == "application/zip", response.status_code
        with zipfile.ZipFile(io.BytesIO(response.get_data())) as pack:
            texts = [pack.read(name).decode("utf-8", errors="replace") for name in pack.namelist()
                     if not name.endswith(".pdf")]
        assert texts and not any(_leaks(text, other) for text in texts)
        assert any(any(mark in text for mark in own.marks) for text in texts), "the pack holds the own entries"


@pytest.mark.parametrize("own_name,other_name", DIRECTIONS, ids=["A-tries-B", "B-tries-A"])
def test_forms_refuse_the_other_wards_people_and_departments(two_wards: TwoWards, own_name: str,
                                                             other_name: str) -> None:
    """A form of one's own ward's document or petition naming a person or department of the other ward (a
    direction to someone, a delegation, a petition's department, a delegation's basis) is refused: the other
    ward's people and departments are no choice of this ward's."""
    own, other = getattr(two_wards, own_name), getattr(two_wards, other_name)
    registered = own.ids["incoming"][0]          # the demo's first incoming document: registered, not directed
    person, department = other.ids["user"][2], other.ids["department"][0]   # ward B's users: admin, vanthu, chutich
    today = date.today().isoformat()
    tries = {
        "chutich": [(f"/incoming/{registered}/direct", {"role_p1": "lead", "person_1": person, "instruction": "x"}),
                    ("/delegations/", {"delegate_id": person, "mode": "tl", "doc_types": "thong_bao",
                                       "valid_from": today, "valid_to": today}),
                    ("/delegations/", {"delegate_id": own.ids["user"][5], "mode": "tl", "doc_types": "thong_bao",
                                       "valid_from": today, "valid_to": today,
                                       "basis_document_id": other.ids["document"][0]})],
        "vanthu": [(f"/petitions/{own.ids['petition'][0]}/assign", {"department_id": department}),
                   (f"/petitions/{own.ids['petition'][0]}/assign", {"department_id": own.ids["department"][0],
                                                                     "handler_id": person})],
    }
    failures = []
    for role, forms in tries.items():
        client = _client(two_wards, own, role)
        for url, form in forms:
            response = client.post(url, form, buffered=True)
            if not (response.status_code in (*REFUSED, 400) or (
                    response.status_code == 302 and "alert-danger" in client.get(response.location).get_data(
                        as_text=True))):
                failures.append(f"{role} POST {url} {form} -> {response.status_code}")
    assert not failures, "\n".join(failures)
