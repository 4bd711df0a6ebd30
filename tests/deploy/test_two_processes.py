"""Issue 16 §2-3: docflow runs as several stateless processes behind nginx. Two `docflow run` processes on two
ports share one configuration and one database, and the shipped nginx site balances round-robin between them:
a sign-in page served by one is accepted by the other (its CSRF token), a session made by one is honoured by the
other, a change made through one is seen by the other, a sign-in rate limit counts failures on both, and
/health and /ready answer through nginx while /metrics does not leave the host. nginx runs as the test's own
process (its own prefix, pid, temp folders; ``daemon off``), on loopback ports."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.deploy import nginx
from tests.exchange_e2e.instances import ROOT, _toml, free_port

pytestmark = pytest.mark.skipif(not Path(nginx.NGINX).exists(), reason="nginx is not installed (.ci/run installs it)")

PASSWORD = "Tich-Son@2026!ops"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Deployment:
    url: str
    ports: tuple[int, int]
    access_log: Path
    app_logs: tuple[Path, Path]

    def served_by(self, response: requests.Response) -> int:
        """The app process (its port) nginx sent ``response``'s request to, from nginx's access log."""
        request_id = response.headers["X-Request-Id"]
        for _ in range(50):
            for line in self.access_log.read_text().splitlines():
                if f"request_id={request_id} " in line:
                    return int(re.search(r"upstream=127\.0\.0\.1:(\d+)", line).group(1))  # type: ignore[union-attr]
            time.sleep(0.1)
        raise AssertionError(f"request {request_id} is not in nginx's access log")

    def next_goes_to_other_than(self, http: requests.Session, port: int) -> None:
        """Send harmless requests until one lands on ``port``: round-robin sends the next to the other process."""
        for _ in range(4):
            if self.served_by(http.get(self.url + "/ready")) == port:
                return
        raise AssertionError("nginx does not alternate between the processes")


def _docflow(env: dict[str, str], folder: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "docflow.cli", *args], env=env, cwd=folder, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"docflow {' '.join(args)}: {done.stderr[-3000:]}"


@pytest.fixture
def deployment(tmp_path: Path, database_factory: Callable[[str], str]) -> Iterator[Deployment]:
    folder = tmp_path
    secret = folder / "secret_key"
    secret.write_text(secrets.token_urlsafe(48))
    secret.chmod(0o600)
    settings = {
        # Development mode (plain HTTP cookies on loopback), but the secret key from the shared file every
        # process reads, as in production; nothing else is shared between the two processes but the database.
        "app": {"mode": "development", "data_dir": str(folder / "var"), "keys_dir": str(folder / "keys"),
                "secret_key_file": str(secret), "log_format": "json"},
        "database": {"url": database_factory("two_processes")},
        "security": {"trusted_proxies": 1, "login_address_max_failures": 3, "login_free_failures": 50},
        "ocr": {"enabled": False},
        "archive": {"renew_at": ""},
        "exchange": {"send_in_background": False},
    }
    (folder / "docflow.toml").write_text(_toml(settings), encoding="utf-8")
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
    env = {**inherited, "DOCFLOW_CONFIG": str(folder / "docflow.toml"), "PYTHONPATH": str(ROOT)}
    _docflow(env, folder, "init")
    _docflow(env, folder, "users", "create", "an.nguyen", "--full-name", "Nguyễn Văn An", "--role", "auditor",
             "--password", PASSWORD)
    ports = (free_port(), free_port())
    processes, logs = [], []
    try:
        for port in ports:
            log = folder / f"docflow-{port}.log"
            with log.open("wb") as handle:
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "docflow.cli", "run", "--host", "127.0.0.1", "--port", str(port)],
                    env=env, cwd=folder, stdout=handle, stderr=subprocess.STDOUT))
            logs.append(log)
        for port, process, log in zip(ports, processes, logs):
            nginx.wait_healthy(f"http://127.0.0.1:{port}/health", process, log, f"`docflow run` on {port}",
                               seconds=120)
        listen = free_port()
        with nginx.nginx_prefix() as prefix:
            main = nginx.write_config(prefix, listen, ports)
            with nginx.running(prefix, main, listen):
                yield Deployment(f"http://127.0.0.1:{listen}", ports, prefix / "logs" / "docflow.access.log",
                                 (logs[0], logs[1]))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _token(response: requests.Response) -> str:
    match = TOKEN.search(response.text)
    assert match, f"no CSRF token on {response.url}"
    return match.group(1)


def test_two_processes_behind_nginx_share_sessions_tokens_and_limits(deployment: Deployment):
    d, http = deployment, requests.Session()
    a, b = d.ports

    # A sign-in form from one process, submitted to the other: its CSRF token and its session cookie hold.
    page = http.get(d.url + "/login")
    first = d.served_by(page)
    signed_in = http.post(d.url + "/login", data={"username": "an.nguyen", "password": PASSWORD,
                                                  "csrf_token": _token(page)}, allow_redirects=False)
    assert signed_in.status_code == 302, signed_in.text[:500]
    assert d.served_by(signed_in) != first

    # The session the second process made is honoured by both.
    homes = [http.get(d.url + "/", allow_redirects=False) for _ in range(2)]
    assert {d.served_by(home) for home in homes} == {a, b}
    assert all(home.status_code == 200 and "Nguyễn Văn An" in home.text for home in homes)

    # A change through one process (a form whose token the other process's page carried) is seen by the other.
    d.next_goes_to_other_than(http, b)
    home = http.get(d.url + "/")
    assert d.served_by(home) == a
    switched = http.post(d.url + "/language", data={"locale": "en", "csrf_token": _token(home)},
                         allow_redirects=False)
    assert switched.status_code == 302 and d.served_by(switched) == b
    english = http.get(d.url + "/")
    assert d.served_by(english) == a and 'lang="en"' in english.text
    forged = http.post(d.url + "/language", data={"locale": "vi", "csrf_token": "forged"}, allow_redirects=False)
    assert forged.status_code == 400

    # Failed sign-ins from one address count on both processes: the fourth is refused by the process that saw one.
    stranger = requests.Session()
    failures = []
    for n, lands_on in enumerate((a, b, a)):
        form = stranger.get(d.url + "/login")
        d.next_goes_to_other_than(stranger, b if lands_on == a else a)
        failures.append(stranger.post(d.url + "/login", data={"username": f"nobody{n}", "password": "wrong-guess",
                                                              "csrf_token": _token(form)}, allow_redirects=False))
    assert all(f.status_code != 302 for f in failures)
    assert [d.served_by(f) for f in failures] == [a, b, a]
    form = stranger.get(d.url + "/login")
    d.next_goes_to_other_than(stranger, a)   # b saw one failure only: the other two were a's
    refused = stranger.post(d.url + "/login", data={"username": "an.nguyen", "password": "another-guess",
                                                    "csrf_token": _token(form)}, allow_redirects=False)
    assert refused.status_code == 429 and d.served_by(refused) == b

    # The probes through nginx; /metrics stays on the host (nginx refuses it, each process serves loopback).
    for _ in range(2):
        assert http.get(d.url + "/health").json() == {"status": "ok"}
        ready = http.get(d.url + "/ready")
        assert ready.status_code == 200 and ready.json()["checks"]["database"] is True
    assert http.get(d.url + "/metrics").status_code == 404
    direct = requests.get(f"http://127.0.0.1:{a}/metrics")
    assert direct.status_code == 200 and 'docflow_http_requests_total{endpoint="auth.login"' in direct.text

    # Every process logs JSON lines carrying nginx's request id.
    logged = [json.loads(line) for path in d.app_logs for line in path.read_text().splitlines()
              if line.startswith("{")]
    assert any(line.get("request_id") == signed_in.headers["X-Request-Id"] and line.get("status") == 302
               for line in logged)
    assert PASSWORD not in "".join(path.read_text() for path in d.app_logs)
