"""Row-level security on PostgreSQL (issue 16 §1): the database's own wall between two wards of one deployment.

The database is made by a non-superuser owner role (it runs the migrations, as `docflow init` does) and used by
a NOSUPERUSER NOBYPASSRLS application role with the README's grants, as in production: a superuser passes
every policy, so the ordinary `postgres` connection of the other tests would prove nothing. Every statement here
that reaches into the other ward has no WHERE that would keep it out: only the policies do.
"""

from __future__ import annotations

import io
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask_login.utils import _create_identifier as flask_login_identifier
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, ProgrammingError

from docflow import db, wards
from docflow.db import make_engine
from docflow.web.auth import SIGNED_IN_AT
from docflow.models import Base, Department, DocumentKind, Role, SavedSearch, User
from docflow.services.backup import database as backup_database
from docflow.services.documents import DocumentInput, UploadedFile, upload_document
from docflow.services.documents.listing import DocumentFilters, list_documents
from docflow.services.people.organisation import create_ward, get_organisation
from tests.conftest import _PASSWORD_HASH, _hand_to_role, is_postgres, make_test_app, pdf_bytes

pytestmark = pytest.mark.skipif(not is_postgres(), reason="row-level security is PostgreSQL's")

# Tables with no organisation_id and no policy, each for a reason (migration 0039 says which).
UNWALLED = {"organisations", "verification_reports", "alembic_version"}
# Until the per-ward audit chain gives them organisation_id; from then on they must be walled by ward.
AUDIT = {"audit_events", "audit_head", "audit_checkpoints"}
DOCUMENTS_PER_WARD = {"A": 2, "B": 3}


@dataclass
class Walled:
    owner_app: Flask
    app: Flask                  # the application as the NOSUPERUSER NOBYPASSRLS role
    engine: Engine              # its engine: docflow.db's, which tells PostgreSQL the bound ward
    raw_url: str                # the same role without docflow (psql, a script)
    ward_a: int
    ward_b: int
    user_a: int
    owned_database: Callable[[], str]   # a new empty database the owner role owns (its URL, as the owner)


def _role_url(url: str, role: str) -> str:
    return make_url(url).set(username=role, password=None).render_as_string(hide_password=False)


def _seed_ward(app: Flask, name: str, code: str, documents: int) -> tuple[int, int]:
    """A ward with a department, an official, ``documents`` documents (versions, search texts, …) and a saved
    search: made through the services, acting for the ward."""
    with app.app_context(), db.transaction() as session:
        ward = create_ward(session, name=name, code=code)
    store = app.extensions["docflow.store"]
    with app.app_context(), wards.acting_for(ward.id), db.transaction() as session:
        department = Department(organisation_id=ward.id, name="Văn phòng", code="VP")
        session.add(department)
        session.flush()
        user = User(organisation_id=ward.id, username=f"{code.lower()}.chuyenvien", full_name="Chuyên viên",
                    role=Role.OFFICIAL, post="", department=department, password_hash=_PASSWORD_HASH,
                    is_active=True)
        session.add(user)
        session.flush()
        for n in range(documents):
            upload_document(session, actor=user, store=store, max_bytes=10 * 1024 * 1024,
                            data=DocumentInput(kind=DocumentKind.OUTGOING, doc_type="cong_van",
                                               summary=f"Về việc {code} {n}", department_id=department.id),
                            upload=UploadedFile(io.BytesIO(pdf_bytes(f"{code}-{n}")), "van-ban.pdf"))
        session.add(SavedSearch(organisation_id=ward.id, user_id=user.id, name="Tìm", query="việc"))
        return ward.id, user.id


def _as_server_admin(url: str) -> str:
    """The database at ``url`` as DOCFLOW_TEST_DATABASE_URL's role connects to it (even when the tests run as
    DOCFLOW_TEST_DATABASE_ROLE): it makes roles and hands databases over."""
    server = make_url(os.environ["DOCFLOW_TEST_DATABASE_URL"])
    return server.set(database=make_url(url).database).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def walled(database_factory: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Walled]:
    url = _as_server_admin(database_factory("rls"))
    suffix = uuid.uuid4().hex[:8]
    owner, role = f"docflow_rls_owner_{suffix}", f"docflow_rls_app_{suffix}"
    # Connected to the server's own database (the one DOCFLOW_TEST_DATABASE_URL names), not to the one it drops.
    admin = create_engine(os.environ["DOCFLOW_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{owner}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'))
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'))
    databases = [url]

    def owned_database() -> str:
        made = _as_server_admin(database_factory("rls"))
        databases.append(made)
        return _hand_to_role(made, owner).render_as_string(hide_password=False)

    _hand_to_role(url, owner)   # the owner of the database and its schema, as a DBA would for `docflow init`
    data_dir: Path = tmp_path_factory.mktemp("rls-data")
    apps: list[Flask] = []
    try:
        owner_app = make_test_app(_role_url(url, owner), data_dir)   # the migrations, as the owner
        apps.append(owner_app)
        with owner_app.extensions["docflow.engine"].begin() as conn:  # the README's grants
            for grant in (f'GRANT USAGE ON SCHEMA public TO "{role}"',
                          f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
                          f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
                          f'REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_checkpoints FROM "{role}"',
                          f'REVOKE DELETE ON audit_head FROM "{role}"',
                          f'REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM "{role}"'):
                conn.execute(text(grant))
        ward_a, user_a = _seed_ward(owner_app, "UBND phường An", "AN", DOCUMENTS_PER_WARD["A"])
        ward_b, _user_b = _seed_ward(owner_app, "UBND phường Bình", "BINH", DOCUMENTS_PER_WARD["B"])
        app = make_test_app(_role_url(url, role), data_dir)
        apps.append(app)
        yield Walled(owner_app, app, app.extensions["docflow.engine"], _role_url(url, role), ward_a, ward_b, user_a,
                     owned_database)
    finally:
        for application in apps:
            application.extensions["docflow.engine"].dispose()
        with admin.connect() as conn:
            for database in databases:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(database).database}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{owner}"'))
        admin.dispose()


def _count(engine: Engine, sql: str, ward: int | None) -> int:
    with wards.acting_for(ward), engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_every_ward_owned_table_has_the_policy_and_forces_it(walled: Walled) -> None:
    """A table added with organisation_id and no policy fails here (a migration must call rowsecurity.by_ward)."""
    with walled.engine.connect() as conn:
        flags = {name: (enabled, forced) for name, enabled, forced in conn.execute(text(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"))}
        policies = dict(conn.execute(text(
            "SELECT tablename, qual FROM pg_policies WHERE schemaname = 'public' AND policyname = 'ward_isolation'")
        ).all())
    assert set(Base.metadata.tables) <= set(flags)
    for table in Base.metadata.tables.values():
        if "organisation_id" in table.c:
            assert flags[table.name] == (True, True), table.name
            assert "(organisation_id >=" in policies.get(table.name, ""), table.name
        elif table.name not in UNWALLED | AUDIT:
            assert flags[table.name] == (True, True), f"{table.name}: walled neither by ward nor through a parent"
            assert "EXISTS" in policies.get(table.name, ""), table.name


def test_a_ward_sees_none_of_another_wards_rows(walled: Walled) -> None:
    a, b = walled.ward_a, walled.ward_b
    everyone = _count(walled.engine, "SELECT count(*) FROM documents", None)
    assert everyone >= sum(DOCUMENTS_PER_WARD.values())       # unbound work sees every ward
    assert _count(walled.engine, "SELECT count(*) FROM documents", a) == DOCUMENTS_PER_WARD["A"]
    assert _count(walled.engine, "SELECT count(*) FROM documents", b) == DOCUMENTS_PER_WARD["B"]
    # Tables walled through their parent: a document's versions, a ward's users' rows.
    assert _count(walled.engine, "SELECT count(*) FROM document_versions", a) == DOCUMENTS_PER_WARD["A"]
    with wards.acting_for(a), walled.engine.connect() as conn:
        for table in ("documents", "users", "departments", "search_texts", "saved_searches"):
            seen = set(conn.execute(text(f"SELECT DISTINCT organisation_id FROM {table}")).scalars())
            assert seen == {a}, table
        # Ward B's document by its id: not there.
        b_doc = conn.execute(text("SELECT id FROM documents WHERE organisation_id = :b"), {"b": b}).first()
        assert b_doc is None
        assert conn.execute(text("SELECT count(*) FROM organisations")).scalar_one() >= 2   # the ward list: open


def test_a_bound_ward_updates_and_deletes_only_its_own_rows(walled: Walled) -> None:
    a, b = walled.ward_a, walled.ward_b
    with wards.acting_for(a), walled.engine.connect() as conn, conn.begin() as transaction:
        assert conn.execute(text("UPDATE documents SET summary = 'đã sửa'")).rowcount == DOCUMENTS_PER_WARD["A"]
        assert conn.execute(text("DELETE FROM saved_searches")).rowcount == 1
        assert conn.execute(text("UPDATE users SET full_name = 'x' WHERE organisation_id = :b"),
                            {"b": b}).rowcount == 0
        assert conn.execute(text("DELETE FROM document_versions WHERE document_id IN "
                                 "(SELECT id FROM documents WHERE organisation_id = :b)"), {"b": b}).rowcount == 0
        transaction.rollback()
    with wards.acting_for(b), walled.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM documents WHERE summary = 'đã sửa'")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM saved_searches")).scalar_one() == 1


@pytest.mark.parametrize("statement", [
    "INSERT INTO departments (organisation_id, name, code, is_active) VALUES (:b, 'Lọt', 'LOT', true)",
    "UPDATE documents SET organisation_id = :b",
    "INSERT INTO saved_searches (organisation_id, user_id, name, query, filters_json, created_at) "
    "VALUES (:b, :user, 'Lọt', 'x', '{}', now())",
])
def test_a_bound_ward_cannot_write_a_row_into_another_ward(walled: Walled, statement: str) -> None:
    with wards.acting_for(walled.ward_a), walled.engine.connect() as conn:
        with pytest.raises(ProgrammingError, match="row-level security"):
            conn.execute(text(statement), {"b": walled.ward_b, "user": walled.user_a})
        conn.rollback()


def test_a_version_cannot_be_hung_on_another_wards_document(walled: Walled) -> None:
    with wards.acting_for(None), walled.engine.connect() as conn:
        b_doc = conn.execute(text("SELECT id FROM documents WHERE organisation_id = :b"),
                             {"b": walled.ward_b}).scalars().first()
        columns = conn.execute(text("SELECT * FROM document_versions WHERE document_id = :d"), {"d": b_doc}
                               ).mappings().first()
    assert b_doc is not None and columns is not None
    row = {k: v for k, v in columns.items() if k != "id"} | {"number": 99}
    names = ", ".join(row)
    values = ", ".join(f":{k}" for k in row)
    with wards.acting_for(walled.ward_a), walled.engine.connect() as conn:
        with pytest.raises(ProgrammingError, match="row-level security"):
            conn.execute(text(f"INSERT INTO document_versions ({names}) VALUES ({values})"), row)
        conn.rollback()


def test_a_connection_that_does_not_name_a_ward_sees_nothing(walled: Walled) -> None:
    """psql or a script as the application's role, without docflow: no ward-owned row at all."""
    raw = create_engine(walled.raw_url)
    try:
        with raw.connect() as conn:
            for table in ("documents", "users", "document_versions", "api_clients"):
                assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0, table
    finally:
        raw.dispose()


def test_the_owner_obeys_the_policies_too(walled: Walled) -> None:
    engine = walled.owner_app.extensions["docflow.engine"]
    assert _count(engine, "SELECT count(*) FROM documents", walled.ward_b) == DOCUMENTS_PER_WARD["B"]
    assert _count(engine, "SELECT count(*) FROM users", walled.ward_b) == 1


def test_the_services_work_bound_as_the_application_role(walled: Walled) -> None:
    app, a = walled.app, walled.ward_a
    with app.app_context(), wards.acting_for(a), db.transaction() as session:
        user = session.get(User, walled.user_a)
        assert user is not None and get_organisation(session).id == a
        document = upload_document(
            session, actor=user, store=app.extensions["docflow.store"], max_bytes=10 * 1024 * 1024,
            data=DocumentInput(kind=DocumentKind.OUTGOING, doc_type="cong_van", summary="Về việc mới",
                               department_id=user.department_id),
            upload=UploadedFile(io.BytesIO(pdf_bytes("rls-new")), "van-ban.pdf"))
        page = list_documents(session, actor=user, filters=DocumentFilters(), page=1, page_size=50)
        assert document.id in {d.id for d in page.items}
        assert {d.organisation_id for d in page.items} == {a}
        # A lookup that forgets its ward: the other ward's rows are not there to find.
        assert session.execute(select(User).where(User.organisation_id == walled.ward_b)).first() is None
        session.rollback()


def test_a_backup_as_the_application_role_holds_every_ward_and_restores(walled: Walled, tmp_path: Path) -> None:
    """pg_dump as a role that row-level security binds: it asks for every ward, else it would fail (or, for
    the snapshot's own reads, see nothing and check no blob)."""
    out = tmp_path / "backup"
    out.mkdir()
    with backup_database.dumped(walled.raw_url, out) as conn:
        assert len(list(backup_database.referenced_blobs(conn))) >= sum(DOCUMENTS_PER_WARD.values())
    target = walled.owned_database()
    backup_database.restore_postgres(target, out / backup_database.PG_FILE)
    restored = make_engine(target)
    try:
        assert _count(restored, "SELECT count(*) FROM documents", None) == _count(
            walled.engine, "SELECT count(*) FROM documents", None)
        assert _count(restored, "SELECT count(*) FROM documents", walled.ward_b) == DOCUMENTS_PER_WARD["B"]
        with restored.connect() as conn:   # the wall came back with the tables
            assert conn.execute(text("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'documents'")
                                ).scalar_one() is True
    finally:
        restored.dispose()


def test_a_signed_in_users_request_sees_only_their_wards_rows(walled: Walled) -> None:
    """Through the web as the application role: the user is loaded across wards (unbound), then the request is
    bound to the user's ward, and PostgreSQL itself hides the other ward's documents."""
    with walled.app.app_context(), db.transaction() as session:
        user = session.get(User, walled.user_a)
        assert user is not None
        token = user.get_id()
    client = walled.app.test_client()
    # Signed in as the sign-in page would leave the session (that page's own ward choice is not this test's).
    with walled.app.test_request_context(environ_base=client.environ_base):
        identifier = flask_login_identifier()    # Flask-Login's "strong" protection: this client's address and agent
    with client.session_transaction() as cookie:
        cookie.update({"_user_id": token, "_fresh": True, "_id": identifier,
                       SIGNED_IN_AT: int(time.time())})
    with wards.acting_for(walled.ward_b), walled.engine.connect() as conn:
        b_doc = conn.execute(text("SELECT id FROM documents")).scalars().first()
    listing = client.get("/documents/")
    assert listing.status_code == 200, (listing.status_code, listing.headers.get("Location"), listing.get_data(as_text=True)[-1500:])
    page = listing.get_data(as_text=True)
    assert "Về việc AN 0" in page and "Về việc BINH" not in page
    assert client.get(f"/documents/{b_doc}").status_code == 404


def test_the_ward_holds_after_a_failed_statement_is_rolled_back_to_its_savepoint(walled: Walled) -> None:
    """PostgreSQL undoes a setting made inside a savepoint rolled back to: docflow tells the ward again (and
    says nothing to the aborted transaction but the ROLLBACK TO SAVEPOINT it still accepts)."""
    with wards.acting_for(walled.ward_a), walled.engine.connect() as conn, conn.begin():
        savepoint = conn.begin_nested()
        assert conn.execute(text("SELECT count(*) FROM documents")).scalar_one() == DOCUMENTS_PER_WARD["A"]
        with pytest.raises(DataError):
            conn.execute(text("SELECT 1 / 0"))
        savepoint.rollback()
        assert conn.execute(text("SELECT count(*) FROM documents")).scalar_one() == DOCUMENTS_PER_WARD["A"]
