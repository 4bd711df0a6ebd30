"""Issue 16, "Done when": `docflow demo --wards 3` runs three wards in one deployment on the embedded default
(SQLite): the first ward keeps today's accounts, wards 2 and 3 prefix theirs with w2. and w3., same password;
each ward has its own documents, and a clerk's queue holds only their ward's. Run twice, it keeps the data.
Ward-scoped commands need --ward once there are several wards, and say so in one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from docflow import create_app
from docflow.models import Document, Organisation, User
from docflow.services.demo import DEMO_PASSWORD, PROVINCE_ADMIN, USERS
from tests.cli.test_cli import run
from tests.conftest import WebClient, is_postgres

pytestmark = [pytest.mark.one_database,
              pytest.mark.skipif(is_postgres(), reason="the embedded default: SQLite in the working folder")]


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    import os
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
    workdir = (tmp_path_factory.mktemp("province"), env)
    assert run(workdir, "init").returncode == 0
    first = run(workdir, "demo", "--wards", "3")
    assert first.returncode == 0, first.stderr
    assert "w2.vanthu" in first.stdout and "w3.thanhtra" in first.stdout and "Traceback" not in first.stderr
    again = run(workdir, "demo", "--wards", "3")
    assert again.returncode == 0, again.stderr
    return workdir


def _app(workdir: Path):
    return create_app({"app": {"mode": "testing", "data_dir": str(workdir / "var"), "keys_dir": str(workdir / "keys")},
                       "database": {"url": f"sqlite:///{workdir / 'var' / 'docflow.db'}"}})


def test_three_wards_each_with_its_accounts_and_documents_kept_by_a_second_run(province):
    listing = run(province, "wards", "list").stdout
    assert [line.split()[0] for line in listing.splitlines()] == ["UBND", "VPHUC", "VYEN"]
    app = _app(province[0])
    try:
        session = app.extensions["docflow.sessionmaker"]()
        wards = session.execute(select(Organisation).order_by(Organisation.id)).scalars().all()
        assert [w.organ_id for w in wards] == ["000.00.01.H99", "000.00.02.H99", "000.00.03.H99"]
        assert wards[0].name == "UBND phường Tích Sơn" and len({w.name for w in wards}) == 3
        per_ward = dict(session.execute(select(Document.organisation_id, func.count())
                                        .group_by(Document.organisation_id)).all())
        # the second run added nothing, and each ward walked its own demo documents
        assert set(per_ward) == {w.id for w in wards} and len(set(per_ward.values())) == 1
        for prefix, ward in zip(("", "w2.", "w3."), wards, strict=True):
            names = set(session.execute(select(User.username).where(User.organisation_id == ward.id)).scalars())
            assert names - {PROVINCE_ADMIN} == {prefix + u[0] for u in USERS}
        session.close()
        client = WebClient(app.test_client())
        for prefix in ("", "w2.", "w3."):
            for username, *_rest in USERS:
                signed_in = client.login(prefix + username, DEMO_PASSWORD)
                assert signed_in.status_code == 302 and "/login" not in signed_in.location, prefix + username
                client.logout()
        # the province administrator (an account of the first ward) reaches the wards' page; a ward's admin not
        client.login(PROVINCE_ADMIN, DEMO_PASSWORD)
        assert "Vĩnh Yên" in client.get("/province/wards").get_data(as_text=True)
        client.logout()
        for admin in ("admin", "w2.admin"):
            client.login(admin, DEMO_PASSWORD)
            assert client.get("/province/wards").status_code == 403
            client.logout()
        client.login("w2.vanthu", DEMO_PASSWORD)
        queue = client.get("/queues/issue").get_data(as_text=True)
        shown = {int(n) for n in re.findall(r'href="/(?:documents|incoming|outgoing)/(\d+)"', queue)}
        assert shown
        session = app.extensions["docflow.sessionmaker"]()
        owners = set(session.execute(select(Document.organisation_id).where(Document.id.in_(shown))).scalars())
        assert owners == {wards[1].id}
        session.close()
    finally:
        app.extensions["docflow.engine"].dispose()


def test_ward_scoped_commands_need_the_ward_and_users_go_into_the_named_one(province):
    unnamed = run(province, "users", "list")
    assert unnamed.returncode == 1 and "several wards" in unnamed.stderr and "Traceback" not in unnamed.stderr
    named = run(province, "--ward", "VPHUC", "users", "list").stdout
    assert "w2.vanthu" in named and "w3.vanthu" not in named and " vanthu " not in named
    created = run(province, "--ward", "VYEN", "users", "create", "w3.moi", "--full-name", "Nguyễn Văn Mới",
                  "--role", "official", "--department", "VP", "--password", "mot-mat-khau-dai")
    assert created.returncode == 0, created.stderr
    assert "w3.moi" in run(province, "--ward", "VYEN", "users", "list").stdout
    assert "w3.moi" not in run(province, "--ward", "UBND", "users", "list").stdout
    unknown = run(province, "--ward", "NOWHERE", "users", "list")
    assert unknown.returncode == 1 and "NOWHERE" in unknown.stderr and "Traceback" not in unknown.stderr
    # the cron's commands serve every ward in turn without --ward
    checkpoint = run(province, "audit", "checkpoint")
    assert checkpoint.returncode == 0, checkpoint.stderr
    assert "VPHUC: Checkpoint #" in checkpoint.stdout and "VYEN: Checkpoint #" in checkpoint.stdout
    escalate = run(province, "escalate")
    assert escalate.returncode == 0 and "[UBND]" in escalate.stdout, escalate.stderr
    # each ward's own CA and keys: `docflow --ward CODE keys root` writes that ward's root
    roots = []
    for code in ("UBND", "VPHUC", "VYEN"):
        out = province[0] / f"{code}.pem"
        assert run(province, "--ward", code, "keys", "root", "--out", str(out)).returncode == 0
        roots.append(out.read_bytes())
    assert len(set(roots)) == 3
    assert run(province, "keys", "root", "--out", str(province[0] / "which.pem")).returncode == 1
