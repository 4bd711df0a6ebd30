"""Every refusal of `docflow import`: a user who is not the clerk, a file code of another ward, and a file
name in the index that leads out of the import folder (.., an absolute path, a link out). Nothing is entered
for a refused row, and nothing at all for a refused user."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from docflow.models import ImportedDocument, Organisation, Role, User
from tests.conftest import pdf_bytes
from tests.services.importing.helpers import counts, make_invoke, row, write_folder
from tests.services.records.helpers import planned_file


@pytest.fixture
def invoke(app: Any, db_session: Any, org: Any) -> Any:
    return make_invoke(app)


@pytest.fixture
def clerk(db_session: Any, make_user: Any) -> User:
    user = make_user(Role.CLERK)
    planned_file(db_session, actor=user, year=2025, code="01.VP")
    return user


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.HEAD, Role.LEADER, Role.AUDITOR, Role.ADMIN])
def test_only_the_clerk_imports(invoke, db_session, clerk, make_user, tmp_path, role):
    folder = write_folder(tmp_path / "f", [row("internal", "1", "a.pdf")], {"a.pdf": pdf_bytes()})
    someone = make_user(role)
    before = counts(db_session)

    result = invoke(str(folder), "--user", someone.username)

    assert result.exit_code == 1 and "Only the clerk" in result.output
    assert counts(db_session) == before


def test_an_inactive_clerk_and_an_unknown_user_are_refused(invoke, db_session, clerk, make_user, tmp_path):
    folder = write_folder(tmp_path / "f", [row("internal", "1", "a.pdf")], {"a.pdf": pdf_bytes()})
    before = counts(db_session)
    assert invoke(str(folder), "--user", make_user(Role.CLERK, active=False).username).exit_code == 1
    assert invoke(str(folder), "--user", "nobody").exit_code == 1
    assert counts(db_session) == before


def test_a_file_code_of_another_ward_is_refused(invoke, db_session, clerk, tmp_path):
    other = Organisation(name="UBND phường Khác", code="KHAC")
    db_session.add(other)
    db_session.flush()
    their_clerk = User(organisation=other, username="vanthu.khac", full_name="Văn thư khác", role=Role.CLERK,
                       password_hash="x")
    db_session.add(their_clerk)
    db_session.flush()
    planned_file(db_session, actor=their_clerk, year=2025, code="05.KH")
    folder = write_folder(tmp_path / "f", [row("internal", "1", "a.pdf", file_code="05.KH")], {"a.pdf": pdf_bytes()})

    result = invoke(str(folder), "--user", clerk.username, "--report", str(tmp_path / "r.json"))

    assert result.exit_code == 1
    [refused] = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert refused["key"] == "file_code_unknown" and "05.KH" in refused["reason_vi"]
    assert db_session.execute(select(ImportedDocument)).first() is None


def test_file_names_leading_out_of_the_folder_are_refused(invoke, db_session, clerk, tmp_path):
    secret = tmp_path / "outside.pdf"
    secret.write_bytes(pdf_bytes("outside"))
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "link.pdf").symlink_to(secret)
    (folder / "sub").mkdir()
    (folder / "sub" / "up.pdf").symlink_to(Path("..") / ".." / "outside.pdf")
    names = ["../outside.pdf", "../../etc/passwd", str(secret), "/etc/passwd", "link.pdf", "sub/up.pdf",
             "sub/../../outside.pdf", "C:\\Windows\\win.ini"]
    rows = [row("internal", str(n + 1), name) for n, name in enumerate(names)]
    write_folder(folder, rows, {})

    result = invoke(str(folder), "--user", clerk.username, "--report", str(tmp_path / "r.json"))

    assert result.exit_code == 1
    refused = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [r["key"] for r in refused] == ["path_outside"] * len(names)
    assert all("nằm ngoài thư mục nhập" in r["reason_vi"] for r in refused)
    assert db_session.execute(select(ImportedDocument)).first() is None


def test_a_link_inside_the_folder_to_a_file_inside_it_is_imported(invoke, db_session, clerk, tmp_path):
    folder = write_folder(tmp_path / "export", [row("internal", "1", "alias.pdf")], {"real.pdf": pdf_bytes()})
    (folder / "alias.pdf").symlink_to(folder / "real.pdf")

    assert invoke(str(folder), "--user", clerk.username).exit_code == 0
