"""The signature policy walked whole through the web: every role × signature kind × document kind × state on a
document's page, and every step of the outgoing route, against tables written out here (not read from
docflow.policy). Allowed: a redirect and a new signed version. Refused: 403 or 409 (the outgoing page's
refusals: 403 or a message) and no new version."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.models import Document, DocumentKind, DocumentStatus, DocumentVersion, Role, User
from docflow.models.routing import RoutingStep, SigningMode, StepKind
from docflow.services import outgoing
from docflow.services.people import delegations
from docflow.services import signatures as signing_service
from tests.conftest import SIGNING_PIN, WebClient
from tests.services.outgoing.test_outgoing import Ward, _draft, ward  # noqa: F401 - the ward fixture

ROLES = ("clerk", "official", "head", "leader", "auditor", "admin")
KINDS = ("initial", "personal", "organisation", "organisation_text")
DOCUMENT_KINDS = ("incoming", "outgoing", "internal")
STATES = ("draft", "registered", "in_progress", "in_review", "awaiting_signature", "signed", "issued",
          "completed", "recalled", "replaced")

# The kinds each role applies somewhere; any other kind is refused with 403 wherever it is asked for.
ROLE_KINDS = {
    "clerk": {"organisation", "organisation_text"},
    "official": set(),
    "head": {"initial", "personal"},
    "leader": {"initial", "personal"},
    "auditor": set(),
    "admin": set(),
}
# Everything a document's page (POST /documents/<id>/sign) accepts; anything else a role applies is 409.
PAGE_ALLOWED = {
    ("head", "initial", "internal", "in_progress"),
    ("leader", "initial", "internal", "in_progress"),
    ("leader", "personal", "internal", "in_progress"),
}
# The outgoing route: for a step and the role it is assigned to, the answer to each role posting it
# (review: approve with the initial; sign: approve and sign; issue: number and seal).
ROUTE_TABLE = {
    #  step,   assignee     clerk  official head  leader auditor admin
    ("review", "head"):   (403,  403,     "ok", 403,   403,    403),
    ("review", "leader"): (403,  403,     403,  "ok",  403,    403),
    ("sign", "leader"):   (403,  403,     403,  "ok",  403,    403),
    ("sign", "head"):     (403,  403,     "ok", 403,   403,    403),
    ("issue", "clerk"):   ("ok", 403,     403,  403,   403,    403),
}
# One outgoing document walked along its route: in each state, the answer of each step's own assignee
# (the reviewer's initial, the signer's signature, the clerk's seal). "message": refused on the page.
ROUTE_BY_STATE = {
    #  state                 review     sign       issue
    "in_review":          ("ok",      "message", "message"),
    "awaiting_signature": ("message", "ok",      "message"),
    "signed":             ("message", "message", "ok"),
    "issued":             ("message", "message", "message"),
    "recalled":           ("message", "message", "message"),
}


def _page_expected(role: str, kind: str, document_kind: str, state: str) -> Any:
    if (role, kind, document_kind, state) in PAGE_ALLOWED:
        return "ok"
    return 409 if kind in ROLE_KINDS[role] else 403


@pytest.fixture
def people(ward: Ward, make_user: Any) -> dict[str, User]:  # noqa: F811 - the ward fixture
    return {"clerk": ward.clerk, "official": ward.drafter, "head": ward.land_head, "leader": ward.leader,
            "auditor": make_user(Role.AUDITOR), "admin": make_user(Role.ADMIN)}


def _clients(app: Any, people: dict[str, User]) -> dict[str, WebClient]:
    clients = {}
    for role, user in people.items():
        clients[role] = WebClient(app.test_client())
        assert clients[role].login(user).status_code == 302
    return clients


def _versions(db_session: Session, document_id: int) -> int:
    return db_session.execute(select(func.count()).select_from(DocumentVersion)
                              .where(DocumentVersion.document_id == document_id)).scalar_one()


def test_every_role_kind_document_kind_and_state_on_a_documents_page(app, db_session, make_document, ward,
                                                                     people):  # noqa: F811
    documents = {}
    for document_kind in DOCUMENT_KINDS:
        for state in STATES:
            document = make_document(ward.drafter, kind=DocumentKind(document_kind), department=ward.land)
            document.status = DocumentStatus(state)
            documents[document_kind, state] = document.id
    db_session.flush()
    clients = _clients(app, people)
    seen, expected = {}, {}
    for (document_kind, state), document_id in documents.items():
        for role in ROLES:
            for kind in KINDS:
                before = _versions(db_session, document_id)
                response = clients[role].post(f"/documents/{document_id}/sign", {"kind": kind, "pin": SIGNING_PIN})
                key = (role, kind, document_kind, state)
                seen[key] = _answer(db_session, clients[role], response, document_id, before)
                expected[key] = _page_expected(*key)
    assert len(seen) == 6 * 4 * 3 * 10
    assert {k: v for k, v in seen.items() if v != expected[k]} == {}


def _route_document(db_session: Session, store: Any, settings: Any, ward: Ward, step: str, assignee: str) -> Document:
    """An outgoing document whose open step is ``step``, assigned to a user of the role ``assignee``."""
    # The signer is not among the reviewers the page offers: a leader's review step has the chairman sign.
    signer = {("sign", "head"): ward.office_head, ("review", "leader"): ward.chairman}.get((step, assignee), ward.leader)
    document = _draft(db_session, store, ward, signer=signer, settings=settings)
    reviewers = [ward.leader.id] if assignee == "leader" and step == "review" else [ward.land_head.id]
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store, reviewer_ids=reviewers)
    while (active := outgoing.active_step(db_session, document.id)).kind.value != step:
        actor = db_session.get(User, active.assignee_id)
        if active.kind is StepKind.REVIEW:
            outgoing.approve_step(db_session, actor=actor, document_id=document.id, step_id=active.id)
        else:
            outgoing.sign_step(db_session, actor=actor, settings=settings, store=store, document_id=document.id,
                               step_id=active.id, pin=SIGNING_PIN, expected_version=None)
    return document


def _post_step(client: WebClient, document_id: int, step: str, step_id: int) -> Any:
    if step == "issue":
        return client.post(f"/outgoing/{document_id}/issue", {"pin": SIGNING_PIN})
    if step == "review":
        return client.post(f"/outgoing/{document_id}/steps/{step_id}/approve", {"initial": "1", "pin": SIGNING_PIN})
    return client.post(f"/outgoing/{document_id}/steps/{step_id}/sign", {"pin": SIGNING_PIN})


def _answer(db_session: Session, client: WebClient, response: Any, document_id: int, before: int) -> Any:
    """What the walk saw: "ok" (a new version), the refusal's status, or "message" (refused on the page)."""
    if _versions(db_session, document_id) > before:
        assert response.status_code == 302
        return "ok"
    if response.status_code == 302:
        assert "alert-danger" in client.get(response.location).get_data(as_text=True)
        return "message"
    return response.status_code


def test_every_role_at_every_step_of_the_outgoing_route(app, db_session, store, signing_settings, ward,
                                                        people):  # noqa: F811
    today = signing_service.local_today(signing_settings, signing_service.utc_now())
    delegations.create_delegation(db_session, actor=ward.chairman, delegate_id=ward.office_head.id,
                                  delegator_id=ward.chairman.id, mode=SigningMode.TL, doc_types=None,
                                  valid_from=today - timedelta(days=1), valid_to=None)
    seen = {}
    for step, assignee in ROUTE_TABLE:
        document = _route_document(db_session, store, signing_settings, ward, step, assignee)
        active = outgoing.active_step(db_session, document.id)
        holder = ward.clerk if active.assignee_id is None else db_session.get(User, active.assignee_id)
        posting = dict(people, **{assignee: holder})
        clients = _clients(app, posting)
        answers = {}
        for role in sorted(ROLES, key=lambda r: r == assignee):  # the assignee last: its signature moves on
            before = _versions(db_session, document.id)
            response = _post_step(clients[role], document.id, step, active.id)
            answers[role] = _answer(db_session, clients[role], response, document.id, before)
        seen[step, assignee] = tuple(answers[role] for role in ROLES)
    assert seen == ROUTE_TABLE


def _steps(db_session: Session, document_id: int) -> dict[str, RoutingStep]:
    return {s.kind.value: s for s in outgoing.steps_of(db_session, document_id)}


def test_each_route_step_signs_only_in_its_own_state(app, db_session, store, signing_settings, ward,
                                                     people):  # noqa: F811
    document = _draft(db_session, store, ward, settings=signing_settings)
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store,
                         reviewer_ids=[ward.land_head.id])
    clients = _clients(app, {"review": ward.land_head, "sign": ward.leader, "issue": ward.clerk})
    seen = {}
    for state in ROUTE_BY_STATE:
        if state == "recalled":
            clients["issue"].post(f"/outgoing/{document.id}/recall", {"reason": "Sai thẩm quyền"})
        assert db_session.get(Document, document.id, populate_existing=True).status.value == state
        answers = {}
        natural = {"in_review": "review", "awaiting_signature": "sign", "signed": "issue"}.get(state)
        for step in sorted(("review", "sign", "issue"), key=lambda s: s == natural):
            before = _versions(db_session, document.id)
            response = _post_step(clients[step], document.id, step, _steps(db_session, document.id)[step].id)
            answers[step] = _answer(db_session, clients[step], response, document.id, before)
        seen[state] = (answers["review"], answers["sign"], answers["issue"])
    assert seen == ROUTE_BY_STATE
