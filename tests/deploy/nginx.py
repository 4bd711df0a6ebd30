"""The shipped nginx site (deploy/nginx/docflow.conf) run by the tests without privileges of its own: a main
configuration of the test's (prefix, pid, temp folders, ``daemon off``, errors on stderr) that includes the site
with only its addresses changed (the listening port, the app processes' ports, the access log's folder)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "docflow.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def site_for(listen: int, upstreams: Sequence[int], logs: Path) -> str:
    """The shipped site with the test's ports and log folder, nothing else changed."""
    text = SITE.read_text(encoding="utf-8")
    servers = list(re.finditer(r"^ *server 127\.0\.0\.1:\d+([^;]*);\n", text, flags=re.M))
    if not servers:
        raise AssertionError("the shipped site names no upstream server")
    options = servers[0].group(1)   # max_fails, fail_timeout: as shipped
    replacement = "".join(f"    server 127.0.0.1:{port}{options};\n" for port in upstreams)
    text = text[:servers[0].start()] + replacement + text[servers[-1].end():]
    text = re.sub(r"listen 127\.0\.0\.1:\d+;", f"listen 127.0.0.1:{listen};", text)
    return text.replace("/var/log/nginx/", f"{logs}/")


def main_config(prefix: Path, site: Path) -> str:
    temp = "\n".join(f"    {name}_temp_path {prefix / 'temp' / name};" for name in TEMP_PATHS)
    # As root (CI), nginx's workers drop to nobody: the prefix folder is world-traversable for them.
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    return (f"{user}daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log stderr warn;\n"
            f"events {{ worker_connections 128; }}\n"
            f"http {{\n{temp}\n    include {site};\n}}\n")


@contextmanager
def nginx_prefix() -> Iterator[Path]:
    """A folder for nginx's own files, removed afterwards (outside pytest's root-only tree: see main_config)."""
    prefix = Path(tempfile.mkdtemp(prefix="docflow-nginx-"))
    prefix.chmod(0o755)
    (prefix / "temp").mkdir(mode=0o755)
    (prefix / "logs").mkdir(mode=0o755)
    try:
        yield prefix
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def write_config(prefix: Path, listen: int, upstreams: Sequence[int]) -> Path:
    site = prefix / "docflow.conf"
    site.write_text(site_for(listen, upstreams, prefix / "logs"), encoding="utf-8")
    main = prefix / "nginx.conf"
    main.write_text(main_config(prefix, site), encoding="utf-8")
    return main


def check(prefix: Path, main: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(main)], capture_output=True, text=True,
                          timeout=60)


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, name: str, *, seconds: float) -> None:
    """Wait until ``url`` answers; fail with the process's log when it ends or does not answer in time."""
    deadline = time.monotonic() + seconds
    while process.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} did not answer: {log.read_text()[-3000:]}") from None
            time.sleep(0.2)
    raise AssertionError(f"{name} ended: {log.read_text()[-3000:]}")


@contextmanager
def running(prefix: Path, main: Path, listen: int) -> Iterator[subprocess.Popen[bytes]]:
    log = prefix / "nginx.stderr"
    with log.open("wb") as handle:
        server = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(main)], stdout=handle, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{listen}/health", server, log, "nginx", seconds=30)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
