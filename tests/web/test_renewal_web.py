"""The verify page's answer to "are these the issued bytes?": the issued version and its B-LTA renewal both
are, named as such; a file that appends anything else to the issued bytes is refused; any other file is none."""

from __future__ import annotations

import io
import json

import pytest

from docflow.models import Role
from docflow.services import renewal
from tests.conftest import pdf_bytes
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture
from tests.services.renewal.helpers import issued_short, savepoint
from tests.signing.test_renewal import _appended, _changed_title

def _verify(client, data: bytes):
    response = client.post("/verify", {"file": (io.BytesIO(data), "x.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    return response.location, client.get(response.location).get_data(as_text=True)


@pytest.fixture
def renewed(app, db_session, signing_settings, store, ward, make_user):
    with app.app_context():
        document = issued_short(db_session, signing_settings, store, ward, make_user)
        issued = document.current_version
        renewal.renew_issued(transaction=savepoint(db_session), settings=signing_settings, store=store,
                             actor_id=ward.clerk.id)
    db_session.refresh(document)
    return document, store.read(issued.sha256), store.read(document.current_version.sha256)


def test_R52_the_issued_bytes_and_their_renewal_are_answered_as_issued(client, make_user, renewed):
    document, issued, renewal_bytes = renewed
    client.login(make_user(Role.AUDITOR))

    _, as_issued = _verify(client, issued)
    location, as_renewal = _verify(client, renewal_bytes)

    assert 'data-issued="issued"' in as_issued and document.number_symbol in as_issued
    assert 'data-issued="renewal"' in as_renewal and "Gia hạn hiệu lực chữ ký (B-LTA) ngày" in as_renewal
    kept = json.loads(client.get(location + "?format=json").get_data(as_text=True))
    assert kept["issued"]["accepted"] is True and len(kept["issued"]["renewal_times"]) == 1


def test_R52_a_renewal_that_appends_other_changes_is_refused(client, make_user, renewed):
    _, issued, renewal_bytes = renewed
    client.login(make_user(Role.AUDITOR))

    location, html = _verify(client, _appended(renewal_bytes, _changed_title))

    assert 'data-issued="refused"' in html and "không phải văn bản đã ban hành" in html
    # the answer is kept with the upload: the report page asked again says the same
    assert 'data-issued="refused"' in client.get(location).get_data(as_text=True)


def test_a_file_the_ward_never_issued_is_answered_as_none(client, make_user):
    client.login(make_user(Role.OFFICIAL))

    _, html = _verify(client, pdf_bytes("not issued"))

    assert 'data-issued="none"' in html
