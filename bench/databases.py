"""Fresh benchmark databases (an SQLite file or a PostgreSQL database named docflow_bench_*) and machine facts."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ADMIN_URL = os.environ.get("DOCFLOW_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@dataclass
class BenchDatabase:
    """One throwaway database plus the data directory (blobs, secret key) that goes with it."""

    kind: str  # "sqlite" or "postgresql"
    url: str
    data_dir: Path
    pg_name: str | None = None
    keep: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "SQLite" if self.kind == "sqlite" else "PostgreSQL"

    def drop(self) -> None:
        """Remove the database and its data directory unless ``keep`` was asked for."""
        if self.keep:
            return
        if self.pg_name is not None:
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))
            admin.dispose()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def create_database(kind: str, label: str, *, keep: bool = False) -> BenchDatabase:
    """Create an empty database of ``kind`` and a fresh data directory under the system temp dir."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"docflow-bench-{label}-{kind}-"))
    if kind == "sqlite":
        return BenchDatabase(kind, f"sqlite:///{data_dir / 'bench.db'}", data_dir, keep=keep)
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}")
    name = f"docflow_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    return BenchDatabase(kind, url, data_dir, pg_name=name, keep=keep)


def postgres_version() -> str:
    """The server's version string, or why it could not be read."""
    try:
        admin = create_engine(PG_ADMIN_URL)
        with admin.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar())
        admin.dispose()
        return version
    except Exception as exc:  # noqa: BLE001 - a fact for the report, not a failure
        return f"unavailable ({type(exc).__name__})"


def machine_facts() -> dict[str, str]:
    """nproc, CPU model, RAM, Python, SQLite and PostgreSQL versions, for the report header."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
                break
    except OSError:
        pass
    import sqlalchemy
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu or platform.processor() or "unknown",
        "ram": mem_gb or "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(),
    }
