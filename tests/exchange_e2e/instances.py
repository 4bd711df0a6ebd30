"""Two docflow wards for the exchange's end-to-end test: each its own data folder, database, development CA,
organ id and configuration file, set up with `docflow init --organ-id` and `docflow exchange tls` (separate
processes), its demo users and keys seeded, and `docflow exchange serve` running as a process of its own on a
free port of 127.0.0.1. The test acts as each ward's users through an app on that ward's database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import create_app, db
from docflow.models import Organisation, User

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _toml(settings: dict[str, dict[str, Any]]) -> str:
    lines = []
    for section, values in settings.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


@dataclass
class Instance:
    """One ward: its configuration file, its app (for acting as its users) and its endpoint process."""
    name: str
    organ_id: str
    folder: Path
    port: int
    settings: dict[str, dict[str, Any]]
    app: Flask | None = None
    server: subprocess.Popen[bytes] | None = None
    logs: list[Path] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.folder / "docflow.toml"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/edxml"

    def env(self) -> dict[str, str]:
        # The CA passphrase: each ward's own file under its data folder (testing mode), not the environment.
        inherited = {k: v for k, v in os.environ.items() if k not in ("DOCFLOW_CA_PASSPHRASE", "DOCFLOW_CONFIG")}
        return {**inherited, "DOCFLOW_CONFIG": str(self.config), "PYTHONPATH": str(ROOT)}

    def docflow(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run `docflow ARGS` as a process of this ward."""
        done = subprocess.run([sys.executable, "-m", "docflow.cli", *args], env=self.env(), cwd=self.folder,
                              capture_output=True, text=True, timeout=600)
        if check and done.returncode != 0:
            raise AssertionError(f"docflow {' '.join(args)} failed ({done.returncode}): {done.stderr[-3000:]}")
        return done

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        if self.app is None:
            raise RuntimeError("the ward has no app yet")
        with self.app.app_context(), db.transaction() as session:
            yield session

    def user(self, session: Session, username: str) -> User:
        return session.execute(select(User).where(User.username == username)).scalar_one()

    def organisation(self, session: Session) -> Organisation:
        return session.execute(select(Organisation).order_by(Organisation.id)).scalars().first()  # type: ignore

    def start_server(self) -> None:
        log = self.folder / "serve.log"
        self.logs.append(log)
        with log.open("wb") as handle:
            self.server = subprocess.Popen([sys.executable, "-m", "docflow.cli", "exchange", "serve"], env=self.env(),
                                           cwd=self.folder, stdout=handle, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise AssertionError(f"`docflow exchange serve` of {self.name} ended: {log.read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"`docflow exchange serve` of {self.name} did not listen: {log.read_text()[-3000:]}")

    def stop_server(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self.server = None


def make_instance(folder: Path, *, name: str, organ_id: str, database_url: str) -> Instance:
    """Write the ward's configuration and run `docflow init --organ-id` for it."""
    folder.mkdir(parents=True, exist_ok=True)
    tls = folder / "tls"
    port = free_port()
    settings: dict[str, dict[str, Any]] = {
        "app": {"mode": "testing", "data_dir": str(folder / "var"), "keys_dir": str(folder / "keys"),
                "organisation_name": name},
        "database": {"url": database_url},
        # Cheap key wrapping for tests only; the production floor is 64 MiB (bench/KDF.md).
        "signing": {"pin_kdf_memory_kib": 64, "pin_kdf_time_cost": 1},
        "ocr": {"enabled": False},
        "archive": {"renew_at": ""},
        "exchange": {"listen_host": "127.0.0.1", "listen_port": port, "server_cert": str(tls / "server.pem"),
                     "server_key": str(tls / "server.key"), "client_cert": str(tls / "client.pem"),
                     "client_key": str(tls / "client.key"), "retry_first_seconds": 1, "retry_max_seconds": 5,
                     "timeout_seconds": 30, "send_in_background": False,
                     "inbox_folder": str(folder / "inbox"), "poll_seconds": 1},
    }
    instance = Instance(name, organ_id, folder, port, settings)
    instance.config.write_text(_toml(settings), encoding="utf-8")
    instance.docflow("init", "--organ-id", organ_id)
    return instance


def open_app(instance: Instance) -> Flask:
    os.environ.pop("DOCFLOW_CONFIG", None)
    os.environ.pop("DOCFLOW_CA_PASSPHRASE", None)
    instance.app = create_app(instance.settings)
    return instance.app
