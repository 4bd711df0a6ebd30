"""Shared fixtures: one migrated database per test session (SQLite or PostgreSQL, chosen by
DOCFLOW_TEST_DATABASE_URL), each test inside a transaction that is rolled back, a content store
under a temporary directory, and factories for users, departments and documents."""

from __future__ import annotations

import io
import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfWriter
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from docflow import create_app, migrations
from docflow.models import (
    Certificate,
    Confidentiality,
    Department,
    Document,
    DocumentKind,
    Organisation,
    RegisterKind,
    Role,
    User,
)
from docflow.services import documents as doc_service
from docflow.services import keys as key_service
from docflow.services import registers
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.services.people import hash_password
from docflow.signing.base import CertificateKind

pytest_plugins = ["tests.testpki", "tests.keypool", "tests.wordconvert"]

PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = hash_password(PASSWORD)


def _database_kind() -> str:
    return os.environ.get("DOCFLOW_TEST_DATABASE_URL", "sqlite")


def is_postgres() -> bool:
    return _database_kind().startswith("postgresql")


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """Make a fresh, empty database and return its URL; PostgreSQL ones are dropped at the end."""
    created: list[str] = []
    kind = _database_kind()

    def make(label: str) -> str:
        if not kind.startswith("postgresql"):
            return f"sqlite:///{tmp_path_factory.mktemp('db') / (label + '.db')}"
        name = f"docflow_{label}_{uuid.uuid4().hex[:10]}"
        admin = create_engine(kind, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        created.append(name)
        url = make_url(kind).set(database=name)
        role = os.environ.get("DOCFLOW_TEST_DATABASE_ROLE")
        if role:
            url = _hand_to_role(url.render_as_string(hide_password=False), role)
        return url.render_as_string(hide_password=False)

    yield make
    if created:
        admin = create_engine(kind, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _hand_to_role(url: str, role: str) -> Any:
    """DOCFLOW_TEST_DATABASE_ROLE (off by default): the database and its public schema belong to ``role``, a
    NOSUPERUSER NOBYPASSRLS role made if missing, and the tests connect as it, so PostgreSQL's row-level security
    (docflow.rowsecurity) holds them as it holds docflow in production: `postgres` would pass every policy."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
        conn.execute(text(f'ALTER DATABASE "{make_url(url).database}" OWNER TO "{role}"'))
        conn.execute(text(f'ALTER SCHEMA public OWNER TO "{role}"'))
    admin.dispose()
    return make_url(url).set(username=role, password=None)


def make_test_app(database_url: str, data_dir: Path, **extra: Any) -> Flask:
    overrides: dict[str, Any] = {
        "app": {"mode": "testing", "data_dir": str(data_dir), "keys_dir": str(data_dir / "keys")},
        "database": {"url": database_url},
        # Cheap key wrapping for tests only; the production floor is 64 MiB (bench/KDF.md).
        "signing": {"pin_kdf_memory_kib": 64, "pin_kdf_time_cost": 1},
    }
    for section, values in extra.items():
        overrides.setdefault(section, {}).update(values)
    os.environ.pop("DOCFLOW_CONFIG", None)
    app = create_app(overrides)
    with app.app_context():
        migrations.upgrade()
    return app


@pytest.fixture(scope="session")
def app(database_factory: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = make_test_app(database_factory("main"), tmp_path_factory.mktemp("data"))
    yield application
    application.extensions["docflow.engine"].dispose()


@pytest.fixture(scope="session")
def committed_app(database_factory: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[Flask]:
    """An app on its own database for tests whose transactions really commit (concurrency, races),
    so nothing they write leaks into the rolled-back tests' database. Seeded with the demo ward."""
    from docflow import db
    from docflow.services.demo import seed_demo
    from docflow.services.formatcheck.settings import seed_warning_only
    application = make_test_app(database_factory("committed"), tmp_path_factory.mktemp("committed-data"))
    with application.app_context(), db.transaction() as s:
        seed_demo(s, organisation_name="UBND phường Tích Sơn")
        # These tests race and sign tiny PDFs that are no Annex I page: the format check only warns here, as in
        # the ``org`` fixture's ward (the demo ward itself keeps Decree 30's blocking defaults).
        seed_warning_only(s, organisation_id=s.execute(select(Organisation.id)).scalar_one())
    yield application
    application.extensions["docflow.engine"].dispose()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """Each test runs inside one outer transaction that is rolled back afterwards."""
    engine = app.extensions["docflow.engine"]
    connection = engine.connect()
    outer = connection.begin()
    original = app.extensions["docflow.sessionmaker"]
    make_session = sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                                expire_on_commit=False)
    app.extensions["docflow.sessionmaker"] = make_session
    try:
        with make_session() as session:
            yield session
    finally:
        app.extensions["docflow.sessionmaker"] = original
        outer.rollback()
        connection.close()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def store(app: Flask) -> Any:
    return app.extensions["docflow.store"]


@pytest.fixture
def org(db_session: Session) -> Organisation:
    from docflow.services.people import ensure_organisation
    from docflow.services.formatcheck.settings import seed_warning_only
    organisation = ensure_organisation(db_session, name="UBND phường Thử Nghiệm")
    # The existing tests sign blank PDFs and drafts of the template that predates Annex I (issue 12): the
    # format check only warns in this ward. The format check's own tests restore Decree 30's defaults.
    seed_warning_only(db_session, organisation_id=organisation.id)
    return organisation


@pytest.fixture
def make_department(db_session: Session, org: Organisation) -> Callable[..., Department]:
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, code: str | None = None) -> Department:
        n = next(counter)
        dept = Department(organisation=org, name=name or f"Bộ phận {n}", code=code or f"BP{n}")
        db_session.add(dept)
        db_session.flush()
        return dept
    return make


@pytest.fixture
def make_user(db_session: Session, org: Organisation, make_department: Callable[..., Department]
              ) -> Callable[..., User]:
    counter = iter(range(1, 10_000))
    default_dept: list[Department] = []

    def make(role: str | Role = Role.OFFICIAL, *, department: Department | None = None, username: str | None = None,
             active: bool = True, full_name: str | None = None) -> User:
        role = Role(role)
        if department is None and role in (Role.OFFICIAL, Role.HEAD, Role.CLERK, Role.ADMIN):
            if not default_dept:
                default_dept.append(make_department("Văn phòng", "VPX"))
            department = default_dept[0]
        n = next(counter)
        user = User(organisation=org, username=username or f"{role.value}{n}", full_name=full_name or f"Người dùng {n}",
                    role=role, post="", department=department, password_hash=_PASSWORD_HASH, is_active=active)
        db_session.add(user)
        db_session.flush()
        return user
    return make


def pdf_bytes(label: str = "", pages: int = 1) -> bytes:
    """A small valid PDF whose bytes differ by label (so each has its own SHA-256)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": label or uuid.uuid4().hex})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def make_document(db_session: Session, store: Any) -> Callable[..., Document]:
    def make(owner: User, *, kind: DocumentKind = DocumentKind.INCOMING, department: Department | None = None,
             confidentiality: Confidentiality = Confidentiality.NORMAL, summary: str = "Về việc thử nghiệm",
             doc_type: str = "cong_van", content: bytes | None = None, **fields: Any) -> Document:
        data = DocumentInput(kind=kind, doc_type=doc_type, summary=summary,
                             department_id=department.id if department else None,
                             issuing_body=fields.pop("issuing_body", "UBND quận Thử Nghiệm"),
                             confidentiality=confidentiality, **fields)
        upload = UploadedFile(io.BytesIO(content or pdf_bytes()), "van-ban.pdf")
        if kind is not DocumentKind.INCOMING:
            return doc_service.upload_document(db_session, actor=owner, data=data, upload=upload, store=store,
                                               max_bytes=10 * 1024 * 1024)
        # An incoming document exists only as the clerk registered it (R2): made with its số đến, as
        # incoming.register_incoming does, whoever the test names as its owner.
        document = doc_service.create_document(db_session, actor=owner, data=data, upload=upload, store=store,
                                               max_bytes=10 * 1024 * 1024)
        register, number = registers.take_number(db_session, organisation=owner.organisation,
                                                 kind=RegisterKind.INCOMING, year=document.created_at.year)
        document.register_id, document.register_number = register.id, number
        document.received_at = document.created_at
        db_session.flush()
        return document
    return make


class WebClient:
    """The Flask test client plus sign-in and CSRF-aware form posts."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._token: str | None = None

    def get(self, url: str, **kw: Any) -> Any:
        kw.setdefault("buffered", True)  # read and close streamed files (no ResourceWarning)
        return self.client.get(url, **kw)

    def token(self) -> str:
        if self._token is None:
            page = self.client.get("/login").get_data(as_text=True)
            match = re.search(r'name="csrf_token" value="([^"]+)"', page)
            assert match, "no CSRF token on the sign-in page"
            self._token = match.group(1)
        return self._token

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kw: Any) -> Any:
        payload = dict(data or {})
        if csrf:
            payload["csrf_token"] = self.token()
        return self.client.post(url, data=payload, **kw)

    def login(self, user: User | str, password: str = PASSWORD) -> Any:
        username = user if isinstance(user, str) else user.username
        response = self.post("/login", {"username": username, "password": password})
        self._token = None  # a new session after sign-in
        return response

    def logout(self) -> Any:
        response = self.post("/logout")
        self._token = None  # signing out ends the session and its CSRF token
        return response


@pytest.fixture
def client(app: Flask, db_session: Session) -> WebClient:
    return WebClient(app.test_client())


# -- signing: the ward's development CA, made once per session under the app's keys_dir ----------------

SIGNING_PIN = "135790"


@pytest.fixture(scope="session")
def ward_ca(app: Flask) -> Any:
    settings = app.extensions["docflow.settings"]
    return key_service.init_ca(settings, organisation="UBND phường Thử Nghiệm")


@pytest.fixture
def signing_settings(app: Flask, ward_ca: Any) -> Any:
    return app.extensions["docflow.settings"]


@pytest.fixture
def issue_cert(db_session: Session, signing_settings: Any, make_user: Any) -> Any:
    admin = make_user(Role.ADMIN)

    def do(holder: User | None, kind: CertificateKind = CertificateKind.PERSONAL) -> Certificate:
        return key_service.issue_certificate(db_session, settings=signing_settings, actor=admin, holder=holder, kind=kind,
                                             pin=SIGNING_PIN)
    return do


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass runs only the tests that reach a database (every database fixture starts from
    ``database_factory``); the rest ran in the SQLite pass and would prove nothing more the second time. Tests
    marked ``one_database`` (the slow browser walks, whose database work other tests prove on both) also run
    in the SQLite pass only."""
    if not is_postgres():
        return

    def on_postgres(item: pytest.Item) -> bool:
        return ("database_factory" in getattr(item, "fixturenames", ())
                and item.get_closest_marker("one_database") is None)

    kept = [item for item in items if on_postgres(item)]
    skipped = [item for item in items if not on_postgres(item)]
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = kept
