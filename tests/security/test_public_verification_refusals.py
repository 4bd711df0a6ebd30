"""Refusals of the public verification page (issue 15 §2) an outsider could try: a confidential document has
no code and no page (and cannot become public after its first signature), a document not issued yet has no
page, guessing codes is rate-limited per address, and the page names nobody beyond the document's signer.
(One ward per deployment today: another ward's code is simply an unknown code.)"""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import select

from docflow.errors import InvalidTransitionError
from docflow.models import Confidentiality, DocumentGrant, GrantReason, PublicCode, RateLimit
from docflow.services import documents as doc_service
from docflow.services import outgoing
from docflow.services.documents.grants import ensure_grant
from docflow.web import public as public_web
from tests.services.outgoing.test_outgoing import _approve, _draft, _sign, ward  # noqa: F401 - the ward fixture
from tests.services.public.test_public_footer import _confidential_issued, _form
from tests.services.signatures.test_chaincheck import _issued


def test_a_confidential_document_has_no_code_and_no_page(app, client, db_session, signing_settings, store, ward):
    with app.app_context():
        document = _confidential_issued(db_session, signing_settings, store, ward)

    assert db_session.execute(select(PublicCode).where(PublicCode.document_id == document.id)).first() is None
    assert client.get(f"/v/{document.id}").status_code == 404


def test_a_code_of_a_document_made_confidential_later_leads_nowhere(app, client, db_session, signing_settings, store,
                                                                    ward):
    with app.app_context():
        document = _issued(db_session, signing_settings, store, ward)
    code = db_session.execute(select(PublicCode.code).where(PublicCode.document_id == document.id)).scalar_one()
    # only possible past the services (they freeze confidentiality from the first signature on)
    document.confidentiality = Confidentiality.SECRET
    db_session.flush()

    assert client.get(f"/v/{code}").status_code == 404


def test_a_signed_document_cannot_be_made_confidential_to_hide_or_public_to_expose(app, db_session, signing_settings,
                                                                                   store, ward):
    with app.app_context():
        document = _draft(db_session, store, ward, settings=signing_settings)
        outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
        _approve(db_session, document, ward.land_head)
        _approve(db_session, document, ward.office_head)
        _sign(db_session, signing_settings, store, document, ward.leader)
        for actor in (ward.drafter, ward.leader, ward.chairman):
            with pytest.raises(InvalidTransitionError):
                doc_service.edit_metadata(db_session, actor=actor, document_id=document.id,
                                          data=_form(document, Confidentiality.CONFIDENTIAL),
                                          expected_row_version=document.row_version)
    assert document.confidentiality is Confidentiality.NORMAL


def test_a_document_signed_but_not_issued_has_no_page_yet(app, client, db_session, signing_settings, store, ward):
    with app.app_context():
        document = _draft(db_session, store, ward, settings=signing_settings)
        outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
        _approve(db_session, document, ward.land_head)
        _approve(db_session, document, ward.office_head)
        _sign(db_session, signing_settings, store, document, ward.leader)
    code = db_session.execute(select(PublicCode.code).where(PublicCode.document_id == document.id)).scalar_one()

    assert client.get(f"/v/{code}").status_code == 404
    assert client.post(f"/v/{code}", {"file": (io.BytesIO(b"%PDF-1.7"), "x.pdf")},
                       content_type="multipart/form-data").status_code == 404


def test_guessing_codes_is_rate_limited_per_address_and_the_count_names_no_address(client, db_session, org):
    guesses = [f"/v/{n:016d}" for n in range(public_web.PAGE_LIMIT + 1)]
    answers = [client.get(url).status_code for url in guesses]

    assert answers[:-1] == [404] * public_web.PAGE_LIMIT and answers[-1] == 429
    rows = db_session.execute(select(RateLimit).where(RateLimit.bucket == "public.verify")).scalars().all()
    assert len(rows) == 1 and "127.0.0.1" not in rows[0].key
    # another address still gets its answers
    other = client.client.get("/v/" + "0" * 16, environ_overrides={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 404


def test_uploads_are_rate_limited_too(client, db_session, org):
    answers = [client.post("/v/" + "0" * 16, {"file": (io.BytesIO(b"%PDF-1.7"), "x.pdf")},
                           content_type="multipart/form-data").status_code
               for _ in range(public_web.UPLOAD_LIMIT + 1)]

    assert answers[:-1] == [404] * public_web.UPLOAD_LIMIT and answers[-1] == 429


def test_the_page_names_nobody_but_the_signer_and_no_internal_id(app, client, db_session, signing_settings, store,
                                                                 ward, make_user):
    with app.app_context():
        document = _issued(db_session, signing_settings, store, ward)
        ensure_grant(db_session, document, make_user(full_name="Người Được Cấp Quyền"),
                     GrantReason.CONFIDENTIAL_ACCESS, document.created_at, by=ward.chairman)
    code = db_session.execute(select(PublicCode.code).where(PublicCode.document_id == document.id)).scalar_one()
    assert db_session.execute(select(DocumentGrant).where(DocumentGrant.document_id == document.id)).first()

    html: Any = client.get(f"/v/{code}").get_data(as_text=True)

    assert ward.leader.full_name in html
    for secret in ("Người Được Cấp Quyền", ward.drafter.full_name, ward.clerk.full_name, ward.land_head.full_name,
                   ward.office_head.full_name, ward.chairman.full_name, "Sở Tư pháp tỉnh Bắc Ninh",
                   document.current_version.sha256, f"/documents/{document.id}"):
        assert secret not in html
