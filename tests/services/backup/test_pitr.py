"""PostgreSQL point-in-time recovery, as the README's "Backup and restore" describes it, on a cluster of its
own: continuous WAL archiving and a base backup, two documents issued, recovery to a moment between them.
The recovered ward has the first and not the second, its audit log verifies, and its register continues
from the first.

It starts a second PostgreSQL server (initdb + pg_ctl as the postgres user, in a temporary folder, on a free
port), which needs root to switch user and takes about half a minute: it runs wherever that is possible (CI runs
as root with Debian's PostgreSQL 15), DOCFLOW_TEST_PITR=0 leaves it out, and it never touches the cluster on
port 5432.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.services.backup.drill import docflow, issue_one_outgoing, open_instance, seeded_instance

BIN = Path("/usr/lib/postgresql/15/bin")
pytestmark = pytest.mark.skipif(
    os.environ.get("DOCFLOW_TEST_PITR") == "0" or os.geteuid() != 0 or not (BIN / "initdb").exists()
    or shutil.which("runuser") is None,
    reason="needs root (to run a second PostgreSQL cluster as the postgres user) and PostgreSQL 15's binaries")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*args: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True)


class Cluster:
    """A throwaway PostgreSQL cluster archiving its WAL into a folder of its own."""

    def __init__(self, root: Path) -> None:
        self.root, self.port = root, _free_port()
        self.data, self.archive, self.base = root / "data", root / "wal", root / "base"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/ward"

    def init(self) -> None:
        _as_postgres(str(BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust")
        _as_postgres("mkdir", str(self.archive))
        self.configure(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n"
                       "wal_level = replica\narchive_mode = on\n"
                       f"archive_command = 'test ! -f {self.archive}/%f && cp %p {self.archive}/%f'\n")

    def configure(self, lines: str) -> None:
        _as_postgres("sh", "-c", f"cat >> {self.data}/postgresql.conf <<'EOF'\n{lines}EOF")

    def start(self) -> None:
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                        "-w", "stop"], check=False, capture_output=True)

    def sql(self, statement: str, database: str = "ward") -> object:
        engine = create_engine(self.url.rsplit("/", 1)[0] + f"/{database}", isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                result = conn.execute(text(statement))
                return result.scalar() if result.returns_rows else None
        finally:
            engine.dispose()


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="docflow-pitr-"))
    shutil.chown(root, "postgres", "postgres")
    made = Cluster(root)
    made.init()
    made.start()
    try:
        yield made
    finally:
        made.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_R52_postgresql_recovers_to_a_moment_between_two_issued_documents(cluster, tmp_path):
    cluster.sql("CREATE DATABASE ward", database="postgres")
    ward = seeded_instance(tmp_path / "ward", cluster.url)
    _as_postgres(str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres",
                 "-D", str(cluster.base), "-X", "stream", "-c", "fast")
    context = open_instance(ward)
    try:
        first = issue_one_outgoing(context, "Về việc trước thời điểm khôi phục")
        time.sleep(1.5)
        moment = cluster.sql("SELECT now()::text")
        time.sleep(1.5)
        second = issue_one_outgoing(context, "Về việc sau thời điểm khôi phục")
    finally:
        context.engine.dispose()
    assert second.register_number == first.register_number + 1
    cluster.sql("SELECT pg_switch_wal()")
    time.sleep(2)   # the archiver copies the last WAL file
    cluster.stop()

    shutil.move(cluster.data, cluster.root / "data-lost")
    _as_postgres("cp", "-a", str(cluster.base), str(cluster.data))
    cluster.configure(f"restore_command = 'cp {cluster.archive}/%f %p'\nrecovery_target_time = '{moment}'\n"
                      "recovery_target_action = 'promote'\n")
    _as_postgres("touch", str(cluster.data / "recovery.signal"))
    cluster.start()
    for _ in range(100):
        if not cluster.sql("SELECT pg_is_in_recovery()"):
            break
        time.sleep(0.2)

    assert cluster.sql(f"SELECT count(*) FROM documents WHERE id = {first.id}") == 1
    assert cluster.sql(f"SELECT count(*) FROM documents WHERE id = {second.id}") == 0
    assert docflow(ward, "audit", "verify").exit_code == 0
    context = open_instance(ward)
    try:
        after = issue_one_outgoing(context, "Về việc tiếp tục sau khi khôi phục")
    finally:
        context.engine.dispose()
    assert after.register_number == first.register_number + 1
    assert docflow(ward, "audit", "verify").exit_code == 0
