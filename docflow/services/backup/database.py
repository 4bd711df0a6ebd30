"""The database half of a backup: a consistent copy while docflow runs, and its restore into an empty one.

SQLite: the online backup API (``sqlite3.Connection.backup``), which copies every page under one read
transaction, so writers that commit meanwhile are either wholly in the copy or wholly out of it.
PostgreSQL: ``pg_dump`` in its custom format, run on a snapshot this module exports and keeps open, so the
audit head and the list of referenced blobs are read from exactly the state that was dumped.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from docflow import rowsecurity
from docflow.errors import N_, StorageError, ValidationError

SQLITE_FILE = "database/docflow.sqlite3"
PG_FILE = "database/docflow.pgdump"
ALL_WARDS_OPTION = f"-c {rowsecurity.SETTING}={rowsecurity.ALL}"

# Every column that names a blob of the content-addressed store: a backup is checked to hold each one.
BLOB_COLUMNS = (
    ("document_versions", "sha256"), ("version_sources", "sha256"), ("attachments", "sha256"),
    ("attachments", "signed_sha256"), ("document_copies", "source_sha256"), ("document_copies", "sha256"),
    ("register_closings", "sha256"), ("seal_images", "sha256"), ("users", "signature_image_sha256"),
    ("contributions", "file_sha256"),
)


@dataclass(frozen=True)
class AuditHead:
    seq: int
    hash: str


def kind_of(url: str) -> str:
    """"sqlite" or "postgresql"; ValidationError for anything else."""
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise ValidationError(N_("Backups support SQLite and PostgreSQL, not %(kind)s."), kind=name)
    return name


@contextmanager
def dumped(url: str, out: Path) -> Iterator[Connection]:
    """Dump the database at ``url`` under ``out`` and yield a connection that sees exactly what was dumped
    (the copy itself for SQLite, the dump's snapshot for PostgreSQL), open until the block ends.
    Raises StorageError when the dump fails."""
    (out / "database").mkdir(mode=0o700)
    if kind_of(url) == "sqlite":
        copy = out / SQLITE_FILE
        _sqlite_backup(Path(make_url(url).database or ""), copy)
        engine = create_engine(f"sqlite:///file:{copy}?mode=ro&uri=true")
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()
        return
    # A backup is of every ward: the dump and the snapshot's reads ask row-level security for all of them
    # (docflow.rowsecurity); the application's role cannot switch it off, and without the setting sees nothing.
    engine = create_engine(url, isolation_level="REPEATABLE READ", connect_args={"options": ALL_WARDS_OPTION})
    try:
        with engine.connect() as conn, conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            _run([*_pg_tool("pg_dump"), "--format=custom", "--enable-row-security", f"--snapshot={snapshot}",
                  f"--file={out / PG_FILE}", _libpq_uri(url)], url, options=ALL_WARDS_OPTION)
            yield conn
    finally:
        engine.dispose()


def _sqlite_backup(source_path: Path, copy: Path) -> None:
    source = sqlite3.connect(source_path, timeout=60)
    target = sqlite3.connect(copy)
    try:
        # One step (pages=-1): the whole copy under one read transaction, consistent with running writers.
        source.backup(target)
        # The copy is one self-contained file: no -wal companion for the manifest to miss.
        target.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise StorageError(N_("The SQLite backup failed: %(reason)s"), reason=str(exc)) from exc
    finally:
        target.close()
        source.close()
    os.chmod(copy, 0o600)


def audit_head(conn: Connection) -> AuditHead:
    """The head of the first ward's audit chain (each ward has its own; an empty log: 0 and 64 zeros)."""
    row = conn.execute(text("SELECT seq, hash FROM audit_head ORDER BY organisation_id LIMIT 1")).first()
    return AuditHead(int(row[0]), str(row[1])) if row is not None else AuditHead(0, "0" * 64)


def referenced_blobs(conn: Connection) -> Generator[str, None, None]:
    """Every blob SHA-256 the dumped database names (a blob named twice is yielded twice)."""
    for table, column in BLOB_COLUMNS:
        rows = conn.execution_options(yield_per=5000).execute(
            text(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL"))
        try:
            for (sha256,) in rows:
                yield str(sha256)
        finally:
            rows.close()   # a server-side cursor on PostgreSQL, also when the caller stops early


def _pg_tool(name: str) -> list[str]:
    return [name, "--no-password"]


def _libpq_uri(url: str) -> str:
    """The SQLAlchemy URL as libpq takes it, without the password (that goes in PGPASSWORD)."""
    parsed: URL = make_url(url)
    return parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(args: list[str], url: str, *, options: str = "") -> None:
    env = dict(os.environ)
    if options:
        env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} {options}".strip()
    password = make_url(url).password
    if password:
        env["PGPASSWORD"] = str(password)
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise StorageError(N_("%(tool)s is not installed (Debian: postgresql-client)."), tool=args[0]) from None
    if done.returncode != 0:
        raise StorageError(N_("%(tool)s failed: %(reason)s"), tool=args[0], reason=done.stderr.strip()[-2000:])


def check_empty_postgres(url: str) -> None:
    """Raise ValidationError unless ``url`` names a reachable PostgreSQL database without any table."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(text(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")).scalar_one()
    except SQLAlchemyError as exc:
        raise ValidationError(N_("The database to restore into cannot be reached: %(reason)s"),
                              reason=str(getattr(exc, "orig", None) or exc).strip()) from None
    finally:
        engine.dispose()
    if tables:
        raise ValidationError(N_("The database to restore into is not empty (%(num)s tables): a restore only "
                                 "goes into an empty database."), num=tables)


def restore_postgres(url: str, dump: Path) -> None:
    """pg_restore ``dump`` into the empty database at ``url`` in one transaction (all or nothing).
    Raises StorageError when it fails."""
    _run([*_pg_tool("pg_restore"), "--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges",
          f"--dbname={_libpq_uri(url)}", str(dump)], url)


def restore_sqlite(copy: Path, target: Path) -> None:
    """Copy the backed-up SQLite file to ``target`` (0600) through the backup API, which also checks it."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    out = sqlite3.connect(target)
    try:
        source.backup(out)
        if out.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise StorageError(N_("The backed-up SQLite database fails its integrity check."))
    finally:
        out.close()
        source.close()
