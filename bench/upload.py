"""A 50 MB upload to a real `docflow run` server: peak RSS growth of the server vs. the file size.

The server runs in a subprocess (waitress, development mode, its own fresh database). The client
signs in with http.client, then streams a multipart body from disk in 1 MiB chunks; the server's
VmHWM (peak resident set) is read from /proc before and after. The baseline is a bare
``shutil.copyfileobj`` of the same file in a fresh Python process, measured the same way.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.databases import BenchDatabase
from bench.httpclient import Browser, free_port
from docflow import PROJECT_ROOT
from docflow.services.demo import DEMO_PASSWORD

MIB = 1024 * 1024
IMAGE_W, IMAGE_H = 8192, 6400  # an 8-bit grey image of exactly 50 MiB


@dataclass(frozen=True)
class UploadResult:
    file_bytes: int
    status: int
    location: str
    sha256_ok: bool
    seconds: float
    hwm_before_mb: float     # VmHWM after the warm-up, before the reset (sign-in's argon2 peak)
    rss_before_mb: float     # VmRSS when the peak was reset, right before the upload
    hwm_after_mb: float      # VmHWM after the upload: the peak since the reset
    sampled_max_mb: float    # highest VmRSS seen by a 2 ms sampler during the upload (cross-check)
    hwm_reset: bool          # whether /proc/<pid>/clear_refs accepted the reset
    bare_copy_growth_mb: float

    @property
    def growth_mb(self) -> float:
        peak = self.hwm_after_mb if self.hwm_reset else self.sampled_max_mb
        return peak - self.rss_before_mb

    @property
    def multiple(self) -> float:
        return self.growth_mb * MIB / self.file_bytes

    @property
    def ok(self) -> bool:
        return self.status == 302 and "/documents/" in self.location and self.sha256_ok


def write_big_pdf(path: Path, image_bytes: int = IMAGE_W * IMAGE_H) -> str:
    """A valid one-page PDF whose page draws one image stream of random bytes. Returns its SHA-256."""
    digest = hashlib.sha256()
    offsets: list[int] = []
    height = image_bytes // IMAGE_W
    with path.open("wb") as out:
        def put(data: bytes) -> None:
            digest.update(data)
            out.write(data)

        put(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        content = b"q 595 0 0 842 0 0 cm /Im1 Do Q\n"
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >>"
            b" /Contents 4 0 R >>",
        ]
        for number, body in enumerate(objects, start=1):
            offsets.append(out.tell())
            put(b"%d 0 obj\n%s\nendobj\n" % (number, body))
        offsets.append(out.tell())
        put(b"4 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (len(content), content))
        offsets.append(out.tell())
        put(b"5 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
            b" /BitsPerComponent 8 /Length %d >>\nstream\n" % (IMAGE_W, height, IMAGE_W * height))
        remaining = IMAGE_W * height
        while remaining:
            chunk = os.urandom(min(MIB, remaining))
            put(chunk)
            remaining -= len(chunk)
        put(b"\nendstream\nendobj\n")
        xref = out.tell()
        put(b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets))
        put(b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return digest.hexdigest()


def _proc_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def _reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux clear_refs "5"), so the next peak is the upload's."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class _RssSampler(threading.Thread):
    """Polls VmRSS every 2 ms and keeps the highest value (kB)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.max_kb, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.max_kb = max(self.max_kb, _proc_kb(self.pid, "VmRSS"))
            time.sleep(0.002)


BARE_COPY = """
import shutil, sys
def hwm():
    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))
before = hwm()
with open(sys.argv[1], 'rb') as src, open(sys.argv[2], 'wb') as dst:
    shutil.copyfileobj(src, dst, 1024 * 1024)
print(hwm() - before)
"""


def _bare_copy_growth_mb(pdf: Path, workdir: Path) -> float:
    out = subprocess.run([sys.executable, "-c", BARE_COPY, str(pdf), str(workdir / "copy.pdf")],
                         check=True, capture_output=True, text=True)
    (workdir / "copy.pdf").unlink()
    return int(out.stdout.strip()) / 1024


def _cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "docflow.cli", *args], check=True, env=env, cwd=PROJECT_ROOT,
                   capture_output=True, text=True)


def _stored_sha_ok(database: BenchDatabase, location: str, expected: str) -> bool:
    doc_id = int(location.rstrip("/").rsplit("/", 1)[-1])
    engine = create_engine(database.url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT sha256 FROM document_versions WHERE document_id = :d"),
                                  {"d": doc_id}).scalar_one()
    finally:
        engine.dispose()
    blob = database.data_dir / "blobs" / stored[:2] / stored[2:4] / stored
    digest = hashlib.sha256()
    with blob.open("rb") as fh:
        while chunk := fh.read(MIB):
            digest.update(chunk)
    return bool(stored == expected == digest.hexdigest())


def measure(database: BenchDatabase) -> UploadResult:
    """Init + demo + run a real server on ``database``, upload 50 MiB, read its VmHWM growth."""
    workdir = Path(tempfile.mkdtemp(prefix="docflow-bench-upload-"))
    pdf = workdir / "bench-50mb.pdf"
    expected = write_big_pdf(pdf)
    config = workdir / "docflow.toml"
    config.write_text(f'[app]\nmode = "development"\ndata_dir = "{database.data_dir}"\n'
                      f'keys_dir = "{database.data_dir / "keys"}"\n\n[database]\nurl = "{database.url}"\n',
                      encoding="utf-8")
    env = {**os.environ, "DOCFLOW_CONFIG": str(config)}
    env.pop("DOCFLOW_SECRET_KEY", None)
    _cli(env, "init")
    _cli(env, "demo")
    port = free_port()
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "docflow.cli", "run", "--host", "127.0.0.1", "--port",
                               str(port)], env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        browser = Browser("127.0.0.1", port)
        browser.wait_until_up(timeout=60)
        browser.sign_in("vanthu", DEMO_PASSWORD)
        token = browser.csrf_token("/documents/new")  # the warm-up request
        time.sleep(0.5)
        hwm_before = _proc_kb(server.pid, "VmHWM")
        reset = _reset_peak(server.pid)
        rss_before = _proc_kb(server.pid, "VmRSS")
        sampler = _RssSampler(server.pid)
        sampler.start()
        fields = {"csrf_token": token, "kind": "incoming", "doc_type": "cong_van",
                  "summary": "Về việc kiểm tra tải lên tệp PDF 50 MB", "issuing_body": "UBND tỉnh Vĩnh Phúc",
                  "number_symbol": "50/UBND-VP", "document_date": time.strftime("%Y-%m-%d"),
                  "urgency": "normal", "confidentiality": "normal"}
        started = time.perf_counter()
        status, location = browser.post_multipart("/documents/new", fields, "file", pdf, "application/pdf")
        seconds = time.perf_counter() - started
        sampler.running = False
        sampler.join()
        hwm_after = _proc_kb(server.pid, "VmHWM")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    sha_ok = status == 302 and _stored_sha_ok(database, location, expected)
    bare = _bare_copy_growth_mb(pdf, workdir)
    size = pdf.stat().st_size
    if status == 302:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"upload failed: HTTP {status}; server log kept in {workdir / 'server.log'}", file=sys.stderr)
    return UploadResult(size, status, location, sha_ok, seconds, hwm_before / 1024, rss_before / 1024,
                        hwm_after / 1024, sampler.max_kb / 1024, reset, bare)
