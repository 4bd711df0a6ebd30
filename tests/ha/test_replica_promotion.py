"""PostgreSQL high availability, as the README's "High availability (PostgreSQL)" describes it: a primary and a
synchronous streaming standby built by deploy/ha-pair.sh, docflow serving (`docflow run`, a process of its own)
on the libpq multi-host URL of the pair, the clerk registering incoming documents through the web form one after
another. The primary is stopped hard (`pg_ctl stop -m immediate`, a lost machine) and the standby promoted: the
clerk is answered 503 with Retry-After while no primary is reachable, never a 500; the same docflow process
serves again once the standby is the primary, without a restart; every registration docflow acknowledged (its
302 to the new document) is on the promoted server, with its id and number; the audit log verifies there (R52: integrity).

Like the point-in-time recovery test it runs a cluster pair of its own (initdb + pg_ctl as the postgres user, in a
temporary folder, on free ports), which needs root to switch user: it runs wherever that is possible (CI runs as
root with Debian's PostgreSQL 15) in the SQLite pass of `make test` only (it uses no database fixture: its
databases are its own), DOCFLOW_TEST_HA=0 leaves it out, and it never touches the cluster on port 5432.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from docflow import appctx, db
from docflow.services.demo import DEMO_PASSWORD, seed_demo
from tests.processes import stop_group
from tests.conftest import pdf_bytes
from tests.exchange_e2e.instances import free_port
from tests.services.backup.drill import WARD, docflow, open_instance, write_config

ROOT = Path(__file__).resolve().parents[2]
BIN = Path("/usr/lib/postgresql/15/bin")
SCRIPT = ROOT / "deploy" / "ha-pair.sh"
SYMBOL = "HA-VP"

pytestmark = pytest.mark.skipif(
    os.environ.get("DOCFLOW_TEST_HA") == "0" or os.geteuid() != 0 or not (BIN / "initdb").exists()
    or shutil.which("runuser") is None,
    reason="needs root (to run a PostgreSQL cluster pair as the postgres user) and PostgreSQL 15's binaries")


def _as_postgres(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["runuser", "-u", "postgres", "--", "env", f"PGBIN={BIN}", "HA_AUTH=trust", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return done


@dataclass
class Pair:
    """The primary and its synchronous standby, each a data folder and a port of 127.0.0.1."""
    root: Path
    primary_port: int = field(default_factory=free_port)
    standby_port: int = field(default_factory=free_port)

    @property
    def script(self) -> str:
        """deploy/ha-pair.sh, copied where the postgres user can read it (a checkout under /root is closed to it)."""
        return str(self.root / "ha-pair.sh")

    def as_postgres(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return _as_postgres(*args, cwd=self.root, check=check)

    @property
    def primary(self) -> Path:
        return self.root / "primary"

    @property
    def standby(self) -> Path:
        return self.root / "standby"

    def docflow_url(self) -> str:
        """Either server, whichever accepts writes: libpq tries the hosts in turn (README)."""
        return (f"postgresql+psycopg://postgres@/docflow?host=127.0.0.1,127.0.0.1"
                f"&port={self.primary_port},{self.standby_port}&target_session_attrs=read-write")

    def sql(self, port: int, statement: str, database: str = "postgres") -> list[tuple[object, ...]]:
        engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}",
                               isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                result = conn.execute(text(statement))
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            engine.dispose()

    def stop_all(self) -> None:
        for data in (self.primary, self.standby):
            if (data / "postmaster.pid").exists():
                self.as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop", check=False)


@pytest.fixture
def pair() -> Iterator[Pair]:
    root = Path(tempfile.mkdtemp(prefix="docflow-ha-"))
    shutil.chown(root, "postgres", "postgres")
    made = Pair(root)
    try:
        shutil.copy(SCRIPT, made.script)
        made.as_postgres(made.script, "primary", str(made.primary), str(made.primary_port))
        made.as_postgres(made.script, "standby", str(made.standby), str(made.standby_port), "127.0.0.1",
                     str(made.primary_port))
        _wait(lambda: made.sql(made.primary_port, "SELECT state, sync_state FROM pg_stat_replication "
                                                  "WHERE application_name = 'replica1'") == [("streaming", "sync")],
              "the standby never streamed synchronously")
        made.sql(made.primary_port, "CREATE DATABASE docflow")
        yield made
    finally:
        made.stop_all()
        shutil.rmtree(root, ignore_errors=True)


def _wait(condition: object, failure: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(failure)


@pytest.fixture
def served(pair: Pair, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path, Path]]:
    """The demo ward's accounts on the pair, `docflow run` serving it on a free port; killed (its process group) at the
    end whatever happened."""
    config_file = write_config(tmp_path / "ward", pair.docflow_url())
    result = docflow(config_file, "init")
    assert result.exit_code == 0, result.output
    # The demo ward's departments, registers and accounts, without its keys and documents (a minute on a busy
    # machine): the clerk needs nothing more to register incoming documents.
    context = open_instance(config_file)
    try:
        with appctx.bound(context), db.transaction() as session:
            seed_demo(session, organisation_name=WARD)
    finally:
        context.engine.dispose()
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if k != "DOCFLOW_CA_PASSPHRASE"},
           "DOCFLOW_CONFIG": str(config_file), "PYTHONPATH": str(ROOT)}
    log_path = tmp_path / "docflow-run.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "docflow.cli", "run", "--port", str(port), "--threads", "4"],
                                  cwd=config_file.parent, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: server.poll() is not None or _answers(base), "docflow run never answered")
        assert server.poll() is None, log_path.read_text(errors="replace")[-3000:]
        yield server, base, config_file, log_path
    finally:
        stop_group(server, grace_seconds=15)


def _answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/login", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Clerk(threading.Thread):
    """vanthu registering incoming documents through the web form, one after another, until stopped. Each
    registration docflow acknowledged (302 to the new document) is kept with its document id; a 503 is
    kept with its Retry-After; anything else is a failure."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.http = requests.Session()
        self.acknowledged: dict[int, str] = {}
        self.unavailable: list[tuple[str | None, bool]] = []   # Retry-After, and whether it says why
        self.maybe: set[str] = set()     # the registrations answered 503: saved or not, the clerk must look
        self.failures: list[str] = []
        self.stopping = threading.Event()

    def sign_in(self) -> None:
        token = _csrf(self.http.get(f"{self.base}/login", timeout=30).text)
        response = self.http.post(f"{self.base}/login", data={"username": "vanthu", "password": DEMO_PASSWORD,
                                                              "csrf_token": token}, allow_redirects=False, timeout=30)
        assert response.status_code == 302, response.text[-2000:]
        self.token = _csrf(self.http.get(f"{self.base}/incoming/new", timeout=30).text)

    def run(self) -> None:
        attempt = 0
        while not self.stopping.is_set():
            attempt += 1
            symbol = f"{attempt}/{SYMBOL}"
            form = {"csrf_token": self.token, "doc_type": "cong_van", "number_symbol": symbol,
                    "summary": f"Về việc thử chuyển đổi máy chủ lần {attempt}", "document_date": "2026-03-05",
                    "issuing_body": "UBND tỉnh Phú Thọ", "urgency": "normal", "confidentiality": "normal"}
            try:
                response = self.http.post(f"{self.base}/incoming/new", data=form, allow_redirects=False, timeout=60,
                                          files={"file": ("den.pdf", pdf_bytes(symbol), "application/pdf")})
            except requests.RequestException as exc:
                self.failures.append(f"{symbol}: {exc!r}")
                continue
            location = response.headers.get("Location", "")
            if response.status_code == 302 and (found := re.search(r"/incoming/(\d+)$", location)):
                self.acknowledged[int(found.group(1))] = symbol
            elif response.status_code == 503:
                self.unavailable.append((response.headers.get("Retry-After"),
                                         "có thể đã được lưu hoặc chưa" in response.text))
                self.maybe.add(symbol)
                self.stopping.wait(0.2)
            else:
                self.failures.append(f"{symbol}: {response.status_code} {location} {response.text[-500:]}")

    def wait_for(self, count: int, failure: str, timeout: float = 60) -> None:
        _wait(lambda: len(self.acknowledged) >= count or not self.is_alive(), failure, timeout)
        assert self.is_alive() and not self.failures, self.failures


def test_R52_promoting_the_synchronous_standby_loses_no_acknowledged_write_and_docflow_carries_on(pair, served):
    server, base, config_file, log_path = served
    clerk = Clerk(base)
    clerk.sign_in()
    clerk.start()
    try:
        clerk.wait_for(5, "no registration before the failover")
        pair.as_postgres(str(BIN / "pg_ctl"), "-D", str(pair.primary), "-m", "immediate", "-w", "stop")
        lost_at = len(clerk.acknowledged)
        # No primary now: the standby refuses writes (target_session_attrs=read-write skips it).
        _wait(lambda: clerk.unavailable or clerk.failures, "the clerk was never told to try again", 30)
        assert not clerk.failures, clerk.failures
        pair.as_postgres(pair.script, "promote", str(pair.standby))
        promoted_at = len(clerk.acknowledged)
        clerk.wait_for(promoted_at + 5, "docflow did not carry on after the promotion")
    finally:
        clerk.stopping.set()
        clerk.join(timeout=90)
        clerk.http.close()
    log = log_path.read_text(errors="replace")[-4000:]
    assert not clerk.failures, (clerk.failures, log)
    # 503, try again in 5 s; your registration may or may not have been saved (in Vietnamese, the default)
    assert clerk.unavailable and set(clerk.unavailable) == {("5", True)}, clerk.unavailable
    assert server.poll() is None, log   # the same process, never restarted
    assert lost_at >= 5 and len(clerk.acknowledged) >= promoted_at + 5

    assert pair.sql(pair.standby_port, "SELECT pg_is_in_recovery()") == [(False,)]
    stored = dict(pair.sql(pair.standby_port, "SELECT id, number_symbol FROM documents "
                                              f"WHERE number_symbol LIKE '%/{SYMBOL}'", database="docflow"))
    missing = {i: s for i, s in clerk.acknowledged.items() if stored.get(i) != s}
    assert not missing, f"acknowledged registrations lost in the promotion: {missing}"
    assert set(stored.values()) <= set(clerk.acknowledged.values()) | clerk.maybe   # nothing the clerk was not told of
    result = docflow(config_file, "audit", "verify")
    assert result.exit_code == 0, result.output
