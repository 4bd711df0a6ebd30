"""The public verification page /v/<code> (issue 15 §2), without signing in: what the issued document prints,
its signatures' validity, its legal status now (in force, recalled, replaced by, corrected by), an upload
checked against the issued bytes, the 404 of an unknown code and the 429 of too many requests."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask_babel import force_locale, gettext

from docflow.models import DocumentRelation
from docflow.pdfcheck import MSG_DAMAGED
from docflow.services import outgoing, renewal
from docflow.services.public import codes
from docflow.web import public as public_web
from tests.conftest import pdf_bytes
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture
from tests.services.renewal.helpers import issued_short, savepoint
from tests.services.signatures.test_chaincheck import _issued
from tests.signing.test_renewal import _appended, _changed_title


@pytest.fixture
def issued(app, db_session, signing_settings, store, ward) -> Any:
    with app.app_context():
        return _issued(db_session, signing_settings, store, ward)


def _code(db_session, document) -> str:
    row = codes.find_code(db_session, document)
    assert row is not None
    return row.code


def _page(client, code: str) -> str:
    response = client.get(f"/v/{code}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _upload(client, code: str, data: bytes, name: str = "van-ban.pdf") -> Any:
    return client.post(f"/v/{code}", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _outcome(html: str) -> str | None:
    found = re.search(r'data-testid="upload-answer" data-outcome="([a-z]+)"', html)
    return found.group(1) if found else None


def test_an_issued_document_opens_in_force_and_valid_without_signing_in(client, db_session, issued, ward):
    code = _code(db_session, issued)

    html = _page(client, code)

    assert 'data-status="in_force"' in html and "Đang có hiệu lực" in html
    assert 'data-valid="yes"' in html
    assert issued.number_symbol in html and issued.summary in html
    assert ward.leader.full_name in html and "Phó Chủ tịch" in html     # the signer as the document prints it
    grouped = "-".join(code[i:i + 4] for i in range(0, 16, 4))
    assert grouped in html
    # the code as a person types it reads the same page
    assert issued.number_symbol in _page(client, grouped.lower())


def test_the_page_shows_nothing_personal_beyond_what_the_document_prints(client, db_session, issued, ward):
    html = _page(client, _code(db_session, issued))

    for name in (ward.drafter.full_name, ward.land_head.full_name, ward.office_head.full_name, ward.clerk.full_name,
                 ward.culture.name, "Sở Tư pháp tỉnh Bắc Ninh", ward.drafter.username, ward.leader.username):
        assert name not in html
    assert f"/documents/{issued.id}" not in html and f"/outgoing/{issued.id}" not in html


def test_a_recalled_document_shows_recalled_with_its_date(client, db_session, issued, ward, app):
    code = _code(db_session, issued)
    with app.app_context():
        outgoing.recall_document(db_session, actor=ward.chairman, document_id=issued.id, reason="Ban hành sai thẩm quyền")

    html = _page(client, code)

    assert 'data-status="recalled"' in html and "Đã thu hồi" in html and "Đang có hiệu lực" not in html


def test_a_replaced_and_a_corrected_document_link_to_the_public_pages_of_the_later_ones(
        client, db_session, issued, ward, app, signing_settings, store):
    with app.app_context():
        correction = _issued(db_session, signing_settings, store, ward, related_document_id=issued.id,
                             relation=DocumentRelation.CORRECTS.value)
        replacement = _issued(db_session, signing_settings, store, ward, related_document_id=issued.id,
                              relation=DocumentRelation.REPLACES.value)

    html = _page(client, _code(db_session, issued))

    assert 'data-status="replaced"' in html and "Bị thay thế" in html
    assert f'/v/{_code(db_session, replacement)}" data-testid="replaced-by">{replacement.number_symbol}' in html
    assert f'/v/{_code(db_session, correction)}">{correction.number_symbol}' in html and "Được đính chính bởi" in html


def test_an_unknown_or_malformed_code_is_the_same_404(client, db_session, issued):
    code = _code(db_session, issued)
    other = ("0" if code[0] != "0" else "1") + code[1:]

    answers = [client.get(f"/v/{c}") for c in (other, "not-a-code", "Z" * 16)]

    assert [a.status_code for a in answers] == [404, 404, 404]
    # the same page but for the language form's return address (the path asked for)
    bodies = {a.get_data(as_text=True).replace(f"/v/{c}", "/v/?") for a, c in zip(answers, (other, "not-a-code",
                                                                                           "Z" * 16))}
    assert len(bodies) == 1


def test_too_many_requests_from_one_address_are_refused_with_retry_after(client, org):
    for _ in range(public_web.PAGE_LIMIT):
        assert client.get("/v/" + "Z" * 16).status_code == 404

    refused = client.get("/v/" + "Z" * 16)

    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_an_upload_of_the_issued_bytes_is_answered_yes(client, db_session, issued, store):
    code = _code(db_session, issued)

    response = _upload(client, code, store.read(issued.current_version.sha256))

    assert response.status_code == 200 and _outcome(response.get_data(as_text=True)) == "issued"


def test_an_upload_of_another_issued_document_is_answered_other(client, db_session, issued, app, ward,
                                                              signing_settings, store):
    with app.app_context():
        other = _issued(db_session, signing_settings, store, ward)

    response = _upload(client, _code(db_session, issued), store.read(other.current_version.sha256))

    assert _outcome(response.get_data(as_text=True)) == "other"


def test_an_altered_copy_is_answered_altered(client, db_session, issued, store):
    data = store.read(issued.current_version.sha256)
    changed = _appended(data, _changed_title)              # anything appended after issue
    edited = data.replace(b"/Producer", b"/Pxoducer", 1)     # one byte inside the signed revisions
    assert edited != data

    assert _outcome(_upload(client, _code(db_session, issued), changed).get_data(as_text=True)) == "altered"
    assert _outcome(_upload(client, _code(db_session, issued), edited).get_data(as_text=True)) == "altered"


def test_a_file_that_is_no_pdf_or_no_issued_document_is_told_so(client, db_session, issued):
    code = _code(db_session, issued)

    not_pdf = _upload(client, code, b"MZ\x90\x00 not a pdf at all", "virus.exe")
    blank = _upload(client, code, pdf_bytes("anything"))

    assert not_pdf.status_code == 400 and "PDF" in not_pdf.get_data(as_text=True)
    assert _outcome(blank.get_data(as_text=True)) == "unknown"


def test_a_damaged_or_hostile_pdf_gets_a_clear_message_not_an_error(client, db_session, issued, app):
    code = _code(db_session, issued)
    damaged = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + b"(" * 5000 + b"\n%%EOF\n"

    response = _upload(client, code, damaged)

    assert response.status_code == 400
    with app.test_request_context():
        with force_locale("vi"):
            assert gettext(MSG_DAMAGED) in response.get_data(as_text=True)


def test_the_upload_needs_the_form_token(client, db_session, issued, store):
    response = client.post(f"/v/{_code(db_session, issued)}", {"file": (io.BytesIO(b"%PDF-1.7"), "x.pdf")},
                           csrf=False, content_type="multipart/form-data")

    assert response.status_code == 400 and 'data-testid="upload-answer"' not in response.get_data(as_text=True)


def test_a_renewal_of_the_issued_bytes_is_answered_as_a_renewal(client, app, db_session, signing_settings, store,
                                                               ward, make_user):
    with app.app_context():
        document = issued_short(db_session, signing_settings, store, ward, make_user)
        renewal.renew_issued(transaction=savepoint(db_session), settings=signing_settings, store=store,
                             actor_id=ward.clerk.id)
    db_session.refresh(document)
    assert document.current_version.is_renewal

    response = _upload(client, _code(db_session, document), store.read(document.current_version.sha256))

    assert _outcome(response.get_data(as_text=True)) == "renewal"


def test_the_page_is_vietnamese_by_default_and_english_on_request(client, db_session, issued):
    code = _code(db_session, issued)
    assert "Đang có hiệu lực" in _page(client, code)

    client.post("/language", {"locale": "en", "next": f"/v/{code}"})
    html = _page(client, code)

    assert "In force" in html and "Signatures valid" in html and "1 signature checked" not in html
