"""Verification (and 50 MB signing) costs of docflow next to bare pyHanko, on the same files in the same run.

    python -m bench.verification [--quick] [--out FILE.json]     (python -m bench.signing_suite runs it too)

Everything is built in a temporary directory (nothing is written to the repository): a development CA
(``DevelopmentCA.create``, RSA 2048), five officials' PKCS#12 files, a 100-page text PDF signed five times
in sequence at PAdES B-LT (three invisible initials, the chairman's visible personal signature, the
organisation's seal that locks the document; each signature carries the issuing CA's CRL in the DSS), and
a ~50 MB PDF of scanned-looking pages (one distinct JPEG per page).

Measurements, each next to the bare library on the same bytes, interleaved A, B, B, A ... so that the load
other processes put on the machine falls on both sides alike:

1. ``verify_pdf`` (every docflow check) against plain pyHanko: ``PdfFileReader``, then for every embedded
   signature ``validate_pdf_signature`` with a ValidationContext built from the DSS (hard-fail revocation,
   no fetching), difference analysis included. The bare side is measured twice: a fresh context per
   signature (as a short script would write it) and one context shared by the five signatures (what docflow
   does). Plus ``services.signatures.verify_bytes`` on the unchanged stored version (the report comes from the
   database) in a real app on SQLite.
2. ``docflow verify FILE --trust-root ROOT`` as a fresh process per run against a minimal pyHanko script
   (written next to the file; same interpreter), on the 5-signature file and on a 1-page, 1-signature file
   (start-up dominated), plus ``python -X importtime`` of the command.
3. Peak RSS of a child process signing (B-LT) and verifying the 50 MB PDF, docflow and bare pyHanko: the
   child's ru_maxrss from ``os.wait4`` minus its RSS right after its imports (and key loading), which puts
   the 50 MB input read from disk inside the figure.

Only the standard library is imported at module level, so the child processes (``child`` sub-command)
import exactly what their side needs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

PASSPHRASE = b"bench-ca-passphrase"
PIN = "123456"
ORGANISATION = "UBND phường Bench"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DOCFLOW_BIN = Path(sys.executable).with_name("docflow")
MB = 1024 * 1024

# (holder, full name, post, kind of signature) in signing order; the last one signs with the
# organisation's certificate and locks the document.
SIGNERS = (
    ("chuyenvien", "Nguyễn Văn An", "Chuyên viên", "initial"),
    ("truongphong", "Trần Thị Bình", "Trưởng phòng", "initial"),
    ("phochutich", "Lê Văn Cường", "Phó Chủ tịch", "initial"),
    ("chutich", "Phạm Thị Dung", "Chủ tịch", "personal"),
    ("vanthu", ORGANISATION, "", "organisation"),
)

# The bare side of the cold-command comparison: what someone would write with pyHanko alone.
BARE_SCRIPT = '''\
import io, sys
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from asn1crypto import pem, x509

pdf, root_pem = sys.argv[1], sys.argv[2]
root = x509.Certificate.load(pem.unarmor(open(root_pem, "rb").read())[2])
reader = PdfFileReader(io.BytesIO(open(pdf, "rb").read()))
dss = DocumentSecurityStore.read_dss(reader)
ok = True
for sig in reader.embedded_regular_signatures:
    vc = dss.as_validation_context({"trust_roots": [root], "allow_fetching": False,
                                    "revocation_mode": "hard-fail"})
    status = validate_pdf_signature(sig, vc)
    print(sig.field_name, status.summary())
    ok = ok and status.bottom_line
sys.exit(0 if ok else 1)
'''


# --- statistics -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stats:
    """Seconds over ``n`` samples: median, nearest-rank p95, min, max."""

    n: int
    median: float
    p95: float
    min: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        ordered = sorted(samples)
        if not ordered:
            return cls(0, math.nan, math.nan, math.nan, math.nan)
        return cls(len(ordered), statistics.median(ordered), percentile(ordered, 95), ordered[0], ordered[-1])

    def ms(self) -> str:
        return (f"median {self.median * 1000:.1f} ms, p95 {self.p95 * 1000:.1f} ms, "
                f"min–max {self.min * 1000:.1f}–{self.max * 1000:.1f} ms (n={self.n})")


def percentile(ordered: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending sequence."""
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Ratio:
    """docflow ÷ reference: median of the per-round ratios (same round = same load), its p5–p95 spread,
    and the ratio of the two medians."""

    median: float
    p5: float
    p95: float
    of_medians: float

    @classmethod
    def of(cls, subject: Sequence[float], reference: Sequence[float]) -> Ratio:
        pairs = sorted(s / r for s, r in zip(subject, reference, strict=True))
        return cls(statistics.median(pairs), percentile(pairs, 5), percentile(pairs, 95),
                   statistics.median(subject) / statistics.median(reference))

    def text(self) -> str:
        return (f"{self.median:.2f}× (per-round p5–p95 {self.p5:.2f}–{self.p95:.2f}×; "
                f"ratio of medians {self.of_medians:.2f}×)")


def interleaved(actions: dict[str, Callable[[], object]], rounds: int, warmup: int = 1,
                cpu: dict[str, list[float]] | None = None) -> dict[str, list[float]]:
    """Wall time of every action once per round, the order reversed every other round (A B C, C B A, ...).

    With ``cpu``, this process's CPU time (all threads: verify_pdf works in a thread) goes there too;
    it moves less than wall time when other processes load the machine."""
    names = list(actions)
    for _ in range(warmup):
        for name in names:
            actions[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(rounds):
        for name in (names if round_ % 2 == 0 else reversed(names)):
            start, start_cpu = time.perf_counter(), time.process_time()
            actions[name]()
            samples[name].append(time.perf_counter() - start)
            if cpu is not None:
                cpu.setdefault(name, []).append(time.process_time() - start_cpu)
    return samples


# --- fixtures: PKI and PDFs -----------------------------------------------------------------------

@dataclass
class Pki:
    keys_dir: Path
    root_pem: Path
    p12: dict[str, Path]                 # holder -> PKCS#12 file (PIN ``PIN``)


def make_pki(keys_dir: Path) -> Pki:
    """A development CA under ``keys_dir/ca`` (where a docflow app with that keys_dir finds it) and one
    certificate per signer."""
    from docflow.signing.base import CertificateKind
    from docflow.signing.pki import DevelopmentCA

    ca = DevelopmentCA.create(keys_dir / "ca", organisation=ORGANISATION, passphrase=PASSPHRASE,
                              ocsp_url="http://127.0.0.1:9/pki/ocsp", crl_url="http://127.0.0.1:9/pki/crl",
                              key_size=2048)
    p12 = {}
    for holder, full_name, post, kind in SIGNERS:
        issued = ca.issue(holder=holder, full_name=full_name, post=post, organisation=ORGANISATION,
                          kind=CertificateKind.ORGANISATION if kind == "organisation" else CertificateKind.PERSONAL,
                          pin=PIN, out_dir=keys_dir / "users", validity_days=365)
        p12[holder] = issued.path
    root_pem = keys_dir / "root.pem"
    root_pem.write_bytes(ca.root_pem())
    return Pki(keys_dir=keys_dir, root_pem=root_pem, p12=p12)


def open_ca(pki: Pki) -> Any:
    from docflow.signing.pki import DevelopmentCA

    return DevelopmentCA.open(pki.keys_dir / "ca", PASSPHRASE)


def signing_context(ca: Any) -> Any:
    """docflow's SigningContext for B-LT from the development CA, offline (as services.signatures builds it)."""
    from asn1crypto import crl as asn1_crl
    from pyhanko_certvalidator import ValidationContext

    from docflow.signing.sign import SigningContext

    chain = ca.chain()
    return SigningContext(timestamper=ca.tsa_signer(), validation_context=ValidationContext(
        trust_roots=[chain[-1]], other_certs=list(chain), allow_fetching=False,
        crls=[asn1_crl.CertificateList.load(ca.crl_der("issuing")),
              asn1_crl.CertificateList.load(ca.crl_der("root"))]))


def _pdf(page_bodies: Sequence[tuple[bytes, bytes | None]]) -> bytes:
    """A classic-xref PDF: each page is (content stream, optional JPEG drawn full page)."""
    from tests.testpki import assemble_pdf  # the one classic-xref writer the tests use too
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",
                            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for content, jpeg in page_bodies:
        xobject = b""
        if jpeg is not None:
            objects.append(b"<< /Type /XObject /Subtype /Image /Width 1200 /Height 1700 /ColorSpace /DeviceRGB"
                           b" /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % len(jpeg)
                           + jpeg + b"\nendstream")
            xobject = b" /XObject << /Im1 %d 0 R >>" % len(objects)
            content = b"q 595 0 0 842 0 0 cm /Im1 Do Q\n" + content
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R"
                       b" >>%s >> /Contents %d 0 R >>" % (xobject, len(objects)))
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    return assemble_pdf(objects, file_id=None)


def _text(page: int, lines: int = 45) -> bytes:
    return b"".join(b"BT /F1 11 Tf 60 %d Td (Trang %d dong %d: van ban hanh chinh cua UBND phuong, "
                    b"noi dung mau de do hieu nang.) Tj ET\n" % (790 - 15 * i, page, i) for i in range(lines))


def text_pdf(pages: int) -> bytes:
    """An A4 PDF with ``pages`` pages of Helvetica text (45 lines each)."""
    return _pdf([(_text(p + 1), None) for p in range(pages)])


def scanned_pdf(target_bytes: int) -> bytes:
    """A PDF of scanned-looking pages, one distinct noisy JPEG per page, of at least ``target_bytes``."""
    import io
    import random

    from PIL import Image

    rng = random.Random(20261127)
    pages: list[tuple[bytes, bytes | None]] = []
    size = 0
    while size < target_bytes:
        image = Image.frombytes("RGB", (1200, 1700), rng.randbytes(1200 * 1700 * 3))
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=85)
        jpeg = buf.getvalue()
        pages.append((_text(len(pages) + 1, lines=3), jpeg))
        size += len(jpeg)
    return _pdf(pages)


def sign_chain(data: bytes, pki: Pki, ca: Any, count: int = len(SIGNERS)) -> bytes:
    """Sign ``data`` ``count`` times in sequence at B-LT with docflow's sign_pdf (the Decree 30 chain)."""
    from docflow.signing.base import PadesLevel, SignatureKind
    from docflow.signing.keys import load_pkcs12
    from docflow.signing.sign import Appearance, SignRequest, sign_pdf
    from docflow.signing.stamp import demo_seal_png, demo_signature_png

    context = signing_context(ca)
    for holder, full_name, post, kind in SIGNERS[:count]:
        if kind == "personal":
            request = SignRequest(SignatureKind.PERSONAL, PadesLevel.B_LT, Appearance(
                mode_line="TM. ỦY BAN NHÂN DÂN", post=post.upper(), full_name=full_name,
                signature_image=demo_signature_png(full_name)))
        elif kind == "organisation":
            request = SignRequest(SignatureKind.ORGANISATION, PadesLevel.B_LT,
                                  Appearance(full_name=ORGANISATION, seal_image=demo_seal_png(ORGANISATION)))
        else:
            request = SignRequest(SignatureKind.INITIAL, PadesLevel.B_LT, None)
        data = sign_pdf(data, load_pkcs12(pki.p12[holder], PIN), request, context)
    return data


# --- the two verifiers ----------------------------------------------------------------------------

def load_root(pem_path: Path) -> Any:
    from asn1crypto import pem, x509

    return x509.Certificate.load(pem.unarmor(pem_path.read_bytes())[2])


def bare_verify(data: bytes, root: Any, *, shared: bool = False) -> list[bool]:
    """Plain pyHanko: every embedded signature validated against a context built from the DSS
    (hard-fail revocation, no fetching), difference analysis included. Returns each bottom line."""
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    reader = PdfFileReader(io.BytesIO(data))
    dss = DocumentSecurityStore.read_dss(reader)
    settings = {"trust_roots": [root], "allow_fetching": False, "revocation_mode": "hard-fail"}
    vc = dss.as_validation_context(settings) if shared else None
    results = []
    for sig in reader.embedded_signatures:
        context = vc if vc is not None else dss.as_validation_context(settings)
        results.append(validate_pdf_signature(sig, context).bottom_line)
    return results


def docflow_verify(data: bytes, trust: Any) -> Any:
    from docflow.signing.verify import verify_pdf

    return verify_pdf(data, trust)


def trust_for(root_pem: Path) -> Any:
    from docflow.signing.verify import TrustSettings

    return TrustSettings.from_pem_files([root_pem])


# --- 1. in-process verification -------------------------------------------------------------------

def bench_in_process(signed: bytes, pki: Pki, rounds: int) -> dict[str, Any]:
    root, trust = load_root(pki.root_pem), trust_for(pki.root_pem)
    result = docflow_verify(signed, trust)
    bare = bare_verify(signed, root)
    check = {"docflow_valid": result.valid, "docflow_verdicts": [s.ok for s in result.signatures],
             "docflow_problems": sorted({p.code for s in result.signatures for p in s.problems}),
             "bare_bottom_lines": bare}
    cpu: dict[str, list[float]] = {}
    samples = interleaved({
        "docflow": lambda: docflow_verify(signed, trust),
        "bare": lambda: bare_verify(signed, root),
        "bare_shared": lambda: bare_verify(signed, root, shared=True),
    }, rounds, cpu=cpu)
    return {"check": check, "samples": samples, "cpu_samples": cpu,
            "stats": {k: asdict(Stats.of(v)) for k, v in samples.items()},
            "cpu_stats": {k: asdict(Stats.of(v)) for k, v in cpu.items()},
            "ratio": asdict(Ratio.of(samples["docflow"], samples["bare"])),
            "ratio_vs_shared": asdict(Ratio.of(samples["docflow"], samples["bare_shared"])),
            "cpu_ratio": asdict(Ratio.of(cpu["docflow"], cpu["bare"])),
            "cpu_ratio_vs_shared": asdict(Ratio.of(cpu["docflow"], cpu["bare_shared"])),
            "docflow_own_code": own_code_share(signed, trust)}


def own_code_share(signed: bytes, trust: Any, repeats: int = 5) -> dict[str, float]:
    """cProfile (in the calling thread) of docflow's _verify: the seconds spent in docflow's own functions
    (tottime, pyHanko excluded) against the total, summed over ``repeats`` runs, and the top ones."""
    import asyncio
    import cProfile
    import pstats

    from docflow.signing import verify as verify_module

    profiler = cProfile.Profile()
    for _ in range(repeats):
        profiler.enable()
        asyncio.run(verify_module._verify(signed, trust, None, time.monotonic() + 600))
        profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(tottime for (_, _, tottime, _, _) in stats.values())
    own = {f"{Path(file).name}:{func}": tottime for (file, _, func), (_, _, tottime, _, _) in stats.items()
           if "/docflow/" in file}
    top = dict(sorted(own.items(), key=lambda kv: -kv[1])[:8])
    return {"total_s": total / repeats, "docflow_s": sum(own.values()) / repeats,
            **{k: v / repeats for k, v in top.items()}}


def profile_verify(signed: bytes, pki: Pki, top: int = 25) -> str:
    """cProfile of one verify_pdf (run in the calling thread, so the profiler sees the worker's work)."""
    import asyncio
    import cProfile
    import io
    import pstats

    from docflow.signing import verify as verify_module

    trust = trust_for(pki.root_pem)
    profiler = cProfile.Profile()
    profiler.enable()
    asyncio.run(verify_module._verify(signed, trust, None, time.monotonic() + 600))
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def profile_bare(signed: bytes, pki: Pki, top: int = 25) -> str:
    import cProfile
    import io
    import pstats

    root = load_root(pki.root_pem)
    profiler = cProfile.Profile()
    profiler.enable()
    bare_verify(signed, root)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def validation_calls(signed: bytes, pki: Pki) -> dict[str, int]:
    """How many times each side calls pyHanko's signature/timestamp validation and diff analysis."""
    import asyncio

    from pyhanko.sign import diff_analysis, validation
    from pyhanko.sign.validation import pdf_embedded

    from docflow.signing import verify as verify_module

    counts: dict[str, int] = {}
    patched = []

    def wrap(module: Any, name: str, asynchronous: bool) -> None:
        original = getattr(module, name)
        patched.append((module, name, original))
        if asynchronous:
            async def counting(*args: Any, **kwargs: Any) -> Any:
                counts[name] = counts.get(name, 0) + 1
                return await original(*args, **kwargs)
        else:
            def counting(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
                counts[name] = counts.get(name, 0) + 1
                return original(*args, **kwargs)
        setattr(module, name, counting)

    wrap(pdf_embedded, "async_validate_pdf_signature", True)
    wrap(validation, "async_validate_pdf_signature", True)    # what the synchronous wrapper calls
    wrap(pdf_embedded, "async_validate_pdf_timestamp", True)
    wrap(diff_analysis.StandardDiffPolicy, "review_file", False)
    try:
        trust = trust_for(pki.root_pem)
        asyncio.run(verify_module._verify(signed, trust, None, time.monotonic() + 600))
        docflow_counts = dict(counts)
        counts.clear()
        bare_verify(signed, load_root(pki.root_pem))
        bare_counts = dict(counts)
    finally:
        for module, name, original in patched:
            setattr(module, name, original)
    return {"docflow": docflow_counts, "bare": bare_counts}  # type: ignore[dict-item]


# --- 1b. verify_bytes on the stored version (database cache) --------------------------------------

def bench_cached(signed: bytes, pki: Pki, tmp: Path, rounds: int) -> dict[str, Any]:
    import docflow
    from docflow import db, migrations
    from docflow.services.signatures import verify_bytes

    import hashlib

    app = docflow.create_app({"app": {"mode": "testing", "data_dir": str(tmp / "data"),
                                      "keys_dir": str(pki.keys_dir)},
                              "database": {"url": f"sqlite:///{tmp / 'db.sqlite'}"}})
    settings = app.extensions["docflow.settings"]
    sha256 = hashlib.sha256(signed).hexdigest()
    root = load_root(pki.root_pem)
    with app.app_context():
        migrations.upgrade()
        start = time.perf_counter()
        with db.transaction() as session:
            first = verify_bytes(session, settings=settings, data=signed, sha256=sha256)
        first_seconds = time.perf_counter() - start

        def cached() -> None:
            with db.transaction() as session:
                report = verify_bytes(session, settings=settings, data=signed, sha256=sha256)
            assert report["valid"] == first["valid"]

        def cached_no_digest() -> None:   # the caller does not know the digest: hashing included
            with db.transaction() as session:
                verify_bytes(session, settings=settings, data=signed)

        samples = interleaved({"cached": cached, "cached_no_sha": cached_no_digest,
                               "bare": lambda: bare_verify(signed, root)}, rounds)
    return {"first_call_seconds": first_seconds, "first_valid": first["valid"], "samples": samples,
            "stats": {k: asdict(Stats.of(v)) for k, v in samples.items()},
            "ratio": asdict(Ratio.of(samples["cached"], samples["bare"])),
            "ratio_no_sha": asdict(Ratio.of(samples["cached_no_sha"], samples["bare"]))}


# --- 2. cold command ------------------------------------------------------------------------------

def _env(pycache: Path | None) -> dict[str, str]:
    """The environment of a child: no DOCFLOW_* settings; with ``pycache``, bytecode cached under it for every
    module (PYTHONPYCACHEPREFIX, so nothing is written into the repository or the venv); without it, the
    caller's PYTHONDONTWRITEBYTECODE as it is."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def bench_cold(files: dict[str, Path], pki: Pki, tmp: Path, runs: int) -> dict[str, Any]:
    """Fresh processes, interleaved, with bytecode cached (as deployed) and, when this environment sets
    PYTHONDONTWRITEBYTECODE, also as it stands (docflow's own modules then compile on every start;
    the libraries' .pyc files in site-packages are used either way)."""
    script = tmp / "bare_verify.py"
    script.write_text(BARE_SCRIPT, encoding="utf-8")
    envs = {"cached_bytecode": _env(tmp / "pycache")}
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        envs["no_bytecode_cache"] = _env(None)
    out: dict[str, Any] = {}
    for env_name, env in envs.items():
        for label, pdf in files.items():
            commands = {
                "docflow": [str(DOCFLOW_BIN), "verify", str(pdf), "--trust-root", str(pki.root_pem)],
                "bare": [PYTHON, str(script), str(pdf), str(pki.root_pem)],
            }
            codes: dict[str, set[int]] = {k: set() for k in commands}
            cpu: dict[str, list[float]] = {k: [] for k in commands}

            def runner(name: str, commands: dict[str, list[str]] = commands, env: dict[str, str] = env,
                       codes: dict[str, set[int]] = codes, cpu: dict[str, list[float]] = cpu) -> Callable[[], None]:
                def run() -> None:
                    process = subprocess.Popen(commands[name], cwd=tmp, env=env, stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL)
                    _, status, usage = os.wait4(process.pid, 0)   # this child's CPU time (all its threads)
                    process.returncode = os.waitstatus_to_exitcode(status)
                    codes[name].add(process.returncode)
                    cpu[name].append(usage.ru_utime + usage.ru_stime)
                return run

            samples = interleaved({name: runner(name) for name in commands}, runs, warmup=2)
            cpu = {k: v[-runs:] for k, v in cpu.items()}   # the warm-up runs are not samples
            out[f"{label} {env_name}"] = {
                "exit_codes": {k: sorted(v) for k, v in codes.items()}, "samples": samples, "cpu_samples": cpu,
                "stats": {k: asdict(Stats.of(v)) for k, v in samples.items()},
                "cpu_stats": {k: asdict(Stats.of(v)) for k, v in cpu.items()},
                "ratio": asdict(Ratio.of(samples["docflow"], samples["bare"])),
                "cpu_ratio": asdict(Ratio.of(cpu["docflow"], cpu["bare"])),
                "commands": {k: " ".join(v) for k, v in commands.items()}}
    out["import_time"] = {env_name: import_times(files[next(iter(files))], pki, tmp, env)
                          for env_name, env in envs.items()}
    return out


def import_times(pdf: Path, pki: Pki, tmp: Path, env: dict[str, str], repeats: int = 5) -> dict[str, Any]:
    """``python -X importtime`` of ``docflow verify`` and of the bare script: the cumulative import time
    of chosen packages (median of ``repeats`` runs) and the slowest top-level imports."""
    interesting = ("click", "flask", "werkzeug", "jinja2", "sqlalchemy", "docflow.config", "docflow.cli",
                   "docflow.commands.context", "docflow.commands.keys", "docflow.commands.sign",
                   "docflow.commands.verify", "docflow.signing.verify", "docflow.signing.pdfsafety",
                   "docflow.errors", "docflow", "pyhanko", "pyhanko_certvalidator", "asn1crypto", "cryptography",
                   "pyhanko.pdf_utils.reader", "pyhanko.sign.validation", "pyhanko.sign.validation.dss",
                   "pyhanko.sign", "PIL", "fontTools", "uharfbuzz", "qrcode", "tzlocal", "requests", "aiohttp",
                   "pkcs11", "zoneinfo", "tomllib", "asyncio", "babel", "flask_babel")
    commands = {
        "docflow": [PYTHON, "-X", "importtime", str(DOCFLOW_BIN), "verify", str(pdf), "--trust-root",
                    str(pki.root_pem)],
        "bare": [PYTHON, "-X", "importtime", str(tmp / "bare_verify.py"), str(pdf), str(pki.root_pem)],
    }
    result: dict[str, Any] = {}
    parsed: dict[str, list[tuple[dict[str, tuple[int, int]], list[str]]]] = {}
    for side, command in commands.items():
        runs = parsed[side] = []
        for _ in range(repeats):
            done = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True, check=False)
            runs.append(_parse_importtime(done.stderr))
        names = set().union(*(modules for modules, _ in runs))
        cumulative = {name: statistics.median(m[name][1] if name in m else 0 for m, _ in runs) for name in names}
        roots = set().union(*(set(r) for _, r in runs))
        result[side] = {
            "total_import_us": statistics.median(sum(m[n][0] for n in m) for m, _ in runs),
            "modules": len(names),
            "chosen_us": {name: cumulative[name] for name in interesting if name in cumulative},
            "top_level_us": dict(sorted(((n, cumulative[n]) for n in roots), key=lambda kv: -kv[1])[:15]),
        }
    # What the command imports that the bare script does not, by package, summed over self times.
    bare_names = set().union(*(m for m, _ in parsed["bare"]))
    extra: dict[str, list[float]] = {}
    for modules, _ in parsed["docflow"]:
        per_package: dict[str, int] = {}
        for name, (self_us, _) in modules.items():
            if name not in bare_names:
                package = name if name.startswith("docflow") else name.split(".")[0]
                package = ".".join(package.split(".")[:3])
                per_package[package] = per_package.get(package, 0) + self_us
        for package, us in per_package.items():
            extra.setdefault(package, []).append(us)
    only = {package: statistics.median(v + [0] * (repeats - len(v))) for package, v in extra.items()}
    result["only_in_docflow_self_us"] = dict(sorted(only.items(), key=lambda kv: -kv[1]))
    result["only_in_docflow_total_us"] = sum(only.values())
    return result


_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def _parse_importtime(stderr: str) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """(module -> (self µs, cumulative µs), the modules imported at depth 0) from ``-X importtime``."""
    modules: dict[str, tuple[int, int]] = {}
    roots: list[str] = []
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match is None:
            continue
        self_us, cumulative_us, indent, name = match.groups()
        modules[name] = (int(self_us), int(cumulative_us))
        if len(indent) <= 1:
            roots.append(name)
    return modules, roots


# --- 3. memory ------------------------------------------------------------------------------------

def _rss_kib(field_name: str = "VmRSS") -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return -1


def child(mode: str, pdf: Path, keys_dir: Path, out: Path, report: Path) -> int:
    """One measured operation in this (fresh) process. Writes {"rss_after_imports_kib", "seconds", ...}."""
    import io
    import logging

    logging.getLogger("pyhanko").setLevel(logging.ERROR)

    if mode == "docflow-sign":
        from docflow.signing.base import PadesLevel, SignatureKind
        from docflow.signing.keys import load_pkcs12
        from docflow.signing.sign import SignRequest, sign_pdf
    elif mode == "docflow-verify":
        import asyncio  # noqa: F401 - verify_pdf imports these lazily; counted as imports, not as work
        from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: F401
        from pyhanko.sign.diff_analysis import ModificationLevel  # noqa: F401
        from pyhanko.sign.validation import pdf_embedded  # noqa: F401
        from pyhanko.sign.validation.dss import DocumentSecurityStore  # noqa: F401

        from docflow.signing.verify import TrustSettings, verify_pdf
    else:
        from asn1crypto import crl as asn1_crl
        from asn1crypto import keys as asn1_keys
        from asn1crypto import pem, x509
        from cryptography.hazmat.primitives import serialization
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign import signers
        from pyhanko.sign.fields import SigSeedSubFilter
        from pyhanko.sign.timestamps import DummyTimeStamper
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko.sign.validation.dss import DocumentSecurityStore
        from pyhanko_certvalidator import ValidationContext
        from pyhanko_certvalidator.registry import SimpleCertificateStore

    ca_dir = keys_dir / "ca"
    signer_p12 = keys_dir / "users" / "chutich.p12"
    operation: Callable[[bytes], bytes | None]
    if mode == "docflow-sign":
        from docflow.signing.pki import DevelopmentCA

        context = signing_context(DevelopmentCA.open(ca_dir, PASSPHRASE))
        key = load_pkcs12(signer_p12, PIN)
        request = SignRequest(SignatureKind.INITIAL, PadesLevel.B_LT, None)

        def operation(data: bytes) -> bytes | None:
            return sign_pdf(data, key, request, context)
    elif mode == "docflow-verify":
        trust = TrustSettings.from_pem_files([keys_dir / "root.pem"])

        def operation(data: bytes) -> bytes | None:
            result = verify_pdf(data, trust)
            assert result.signatures, "no signature found"
            return None
    elif mode == "bare-sign":
        def der(path: Path) -> bytes:
            return pem.unarmor(path.read_bytes())[2]

        tsa_key = serialization.load_pem_private_key((ca_dir / "tsa.key").read_bytes(), PASSPHRASE)
        tsa = DummyTimeStamper(
            tsa_cert=x509.Certificate.load(der(ca_dir / "tsa.pem")),
            tsa_key=asn1_keys.PrivateKeyInfo.load(tsa_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
            certs_to_embed=SimpleCertificateStore.from_certs(
                [x509.Certificate.load(der(ca_dir / f"{n}.pem")) for n in ("issuing", "root")]))
        vc = ValidationContext(
            trust_roots=[x509.Certificate.load(der(ca_dir / "root.pem"))],
            other_certs=[x509.Certificate.load(der(ca_dir / "issuing.pem"))], allow_fetching=False,
            crls=[asn1_crl.CertificateList.load((ca_dir / f"{n}.crl").read_bytes()) for n in ("issuing", "root")])
        signer = signers.SimpleSigner.load_pkcs12(str(signer_p12), passphrase=PIN.encode())
        meta = signers.PdfSignatureMetadata(field_name="Signature1", md_algorithm="sha256",
                                            subfilter=SigSeedSubFilter.PADES, embed_validation_info=True,
                                            validation_context=vc)

        def operation(data: bytes) -> bytes | None:
            buf = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), meta, signer=signer,
                                   timestamper=tsa)
            return buf.getvalue()
    elif mode == "bare-verify":
        root = x509.Certificate.load(pem.unarmor((keys_dir / "root.pem").read_bytes())[2])

        def operation(data: bytes) -> bytes | None:
            reader = PdfFileReader(io.BytesIO(data))
            dss = DocumentSecurityStore.read_dss(reader)
            for sig in reader.embedded_signatures:
                vc = dss.as_validation_context({"trust_roots": [root], "allow_fetching": False,
                                                "revocation_mode": "hard-fail"})
                assert validate_pdf_signature(sig, vc).bottom_line
            return None
    else:
        raise SystemExit(f"unknown mode {mode}")

    rss_after_imports = _rss_kib()
    start = time.perf_counter()
    data = pdf.read_bytes()
    produced = operation(data)
    seconds = time.perf_counter() - start
    if produced is not None:
        out.write_bytes(produced)
    report.write_text(json.dumps({"rss_after_imports_kib": rss_after_imports, "seconds": seconds,
                                  "vm_hwm_kib": _rss_kib("VmHWM"), "input_bytes": len(data),
                                  "output_bytes": len(produced) if produced is not None else None}))
    return 0


def run_child(mode: str, pdf: Path, keys_dir: Path, out: Path, tmp: Path) -> dict[str, Any]:
    """Run ``child`` in a fresh interpreter under /usr/bin/time and take its peak RSS.

    Not ``os.wait4``/RUSAGE_CHILDREN of this process: Linux carries the high-water mark of the memory
    a process had before exec() into ru_maxrss, so a child forked from this (large) process would report
    this process's peak. /usr/bin/time forks from a small process; the child's own VmHWM (read at its end)
    is the cross-check.
    """
    report = tmp / f"child-{mode}.json"
    timing = tmp / f"child-{mode}.time"
    command = [PYTHON, "-m", "bench.verification", "child", mode, str(pdf), str(keys_dir), str(out), str(report)]
    if Path("/usr/bin/time").exists():
        command = ["/usr/bin/time", "-f", "%M", "-o", str(timing), *command]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=_env(tmp / "pycache"), check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child {mode} failed with exit code {done.returncode}")
    values = json.loads(report.read_text())
    peak = values["vm_hwm_kib"]
    if timing.exists():
        values["time_maxrss_kib"] = int(timing.read_text().split()[-1])
        peak = max(peak, values["time_maxrss_kib"])
    values["peak_kib"] = peak
    values["delta_mib"] = (peak - values["rss_after_imports_kib"]) / 1024
    values["delta_x_file"] = (peak - values["rss_after_imports_kib"]) * 1024 / values["input_bytes"]
    return values


def bench_memory(big: Path, big_signed: Path, small: Path, small_signed: Path, pki: Pki, tmp: Path,
                 repeats: int) -> dict[str, Any]:
    """Peak RSS of sign and verify, docflow and bare, on the 50 MB file (and a 1-page one: the fixed part)."""
    cases = [("docflow-sign", big), ("bare-sign", big), ("docflow-verify", big_signed), ("bare-verify", big_signed),
             ("docflow-sign", small), ("bare-sign", small), ("docflow-verify", small_signed),
             ("bare-verify", small_signed)]
    results: dict[str, list[dict[str, Any]]] = {}
    for round_ in range(repeats):
        for mode, pdf in (cases if round_ % 2 == 0 else list(reversed(cases))):
            label = f"{mode} {'50MB' if pdf in (big, big_signed) else '1-page'}"
            results.setdefault(label, []).append(run_child(mode, pdf, pki.keys_dir, tmp / "child-out.pdf", tmp))
    summary = {}
    for label, runs in results.items():
        summary[label] = {
            "delta_mib_median": statistics.median(r["delta_mib"] for r in runs),
            "delta_mib_all": [round(r["delta_mib"], 1) for r in runs],
            "delta_x_file_median": statistics.median(r["delta_x_file"] for r in runs),
            "peak_mib_median": statistics.median(r["peak_kib"] / 1024 for r in runs),
            "vm_hwm_mib_all": [round(r["vm_hwm_kib"] / 1024, 1) for r in runs],
            "time_maxrss_mib_all": [round(r.get("time_maxrss_kib", -1) / 1024, 1) for r in runs],
            "after_imports_mib_median": statistics.median(r["rss_after_imports_kib"] / 1024 for r in runs),
            "seconds_median": statistics.median(r["seconds"] for r in runs),
            "input_bytes": runs[0]["input_bytes"],
        }
    return summary


def memory_profile(mode: str, pdf: Path, pki: Pki) -> str:
    """tracemalloc peak of one operation in this process, the input already in memory (warm)."""
    import tracemalloc

    from docflow.signing.base import PadesLevel, SignatureKind
    from docflow.signing.keys import load_pkcs12
    from docflow.signing.sign import SignRequest, sign_pdf

    data = pdf.read_bytes()
    if mode == "docflow-sign":
        context = signing_context(open_ca(pki))
        key = load_pkcs12(pki.p12["chutich"], PIN)
        request = SignRequest(SignatureKind.INITIAL, PadesLevel.B_LT, None)
        sign_pdf(data, key, request, context)  # warm: fonts, lazy imports

        def operation() -> None:
            sign_pdf(data, key, request, context)
    else:
        trust = trust_for(pki.root_pem)
        verify_pdf_ = docflow_verify

        def operation() -> None:
            verify_pdf_(data, trust)
    tracemalloc.start()
    operation()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return f"tracemalloc peak of Python allocations during {mode}: {peak / MB:.1f} MiB (input {len(data) / MB:.1f} MiB)"


# --- everything -----------------------------------------------------------------------------------

@dataclass
class Config:
    rounds_verify: int = 25
    rounds_cached: int = 30
    runs_cold: int = 12
    memory_repeats: int = 3
    big_mb: int = 50
    profiles: bool = True


QUICK = Config(rounds_verify=8, rounds_cached=10, runs_cold=10, memory_repeats=1, profiles=False)


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="ascii")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        mem = next(line.split(":", 1)[1].strip() for line in open("/proc/meminfo", encoding="ascii")
                   if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        pass
    import importlib.metadata as md

    versions = {p: md.version(p) for p in ("pyHanko", "pyhanko-certvalidator", "cryptography", "asn1crypto",
                                            "Flask", "SQLAlchemy", "click")}
    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "python": platform.python_version(),
            "platform": platform.platform(), "cpu": cpu, "cores": os.cpu_count(), "memory": mem,
            "load_average_at_start": os.getloadavg(), "versions": versions}


def run_all(config: Config, log: Callable[[str], None] = print) -> dict[str, Any]:
    import logging

    # pyHanko warns on every offline B-LT signature ("fetching is not allowed"), as intended here
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.ERROR)
    results: dict[str, Any] = {"machine": machine(), "config": asdict(config)}
    with tempfile.TemporaryDirectory(prefix="docflow-bench-sign-") as name:
        tmp = Path(name)
        t0 = time.perf_counter()
        pki = make_pki(tmp / "keys")
        ca = open_ca(pki)
        log(f"PKI ready ({time.perf_counter() - t0:.1f} s)")

        t0 = time.perf_counter()
        plain100 = text_pdf(100)
        signed5 = sign_chain(plain100, pki, ca)
        small_signed = sign_chain(text_pdf(1), pki, ca, count=1)
        files = {"5sig-100p": tmp / "five-signatures-100-pages.pdf", "1sig-1p": tmp / "one-signature-1-page.pdf"}
        files["5sig-100p"].write_bytes(signed5)
        files["1sig-1p"].write_bytes(small_signed)
        results["files"] = {"5sig-100p_bytes": len(signed5), "unsigned-100p_bytes": len(plain100),
                            "1sig-1p_bytes": len(small_signed),
                            "5sig_chain_signing_seconds": time.perf_counter() - t0}
        log(f"5-signature 100-page PDF: {len(signed5) / 1024:.0f} KiB ({time.perf_counter() - t0:.1f} s to sign)")

        t0 = time.perf_counter()
        results["verify"] = bench_in_process(signed5, pki, config.rounds_verify)
        log(f"verify_pdf vs pyHanko: {Ratio(**results['verify']['ratio']).text()} "
            f"({time.perf_counter() - t0:.0f} s)")
        results["verify_small"] = bench_in_process(small_signed, pki, config.rounds_verify * 2)
        log(f"verify_pdf vs pyHanko, 1 page 1 signature: {Ratio(**results['verify_small']['ratio']).text()}")
        results["validation_calls"] = validation_calls(signed5, pki)
        log(f"pyHanko validation calls: {results['validation_calls']}")
        if config.profiles:
            results["profile_docflow"] = profile_verify(signed5, pki)
            results["profile_bare"] = profile_bare(signed5, pki)

        t0 = time.perf_counter()
        results["cached"] = bench_cached(signed5, pki, tmp, config.rounds_cached)
        log(f"verify_bytes (stored report) vs pyHanko: {Ratio(**results['cached']['ratio']).text()} "
            f"({time.perf_counter() - t0:.0f} s)")

        t0 = time.perf_counter()
        results["cold"] = bench_cold(files, pki, tmp, config.runs_cold)
        for label, values in results["cold"].items():
            if label != "import_time":
                log(f"cold `docflow verify` vs bare script, {label}: {Ratio(**values['ratio']).text()}")
        log(f"  ({time.perf_counter() - t0:.0f} s)")

        t0 = time.perf_counter()
        big = tmp / "scanned-50MB.pdf"
        big.write_bytes(scanned_pdf(config.big_mb * 1000 * 1000))
        big_signed = tmp / "scanned-50MB-signed.pdf"
        big_signed.write_bytes(sign_chain(big.read_bytes(), pki, ca, count=1))
        small = tmp / "one-page.pdf"
        small.write_bytes(text_pdf(1))
        results["files"]["big_bytes"] = big.stat().st_size
        results["files"]["big_signed_bytes"] = big_signed.stat().st_size
        log(f"{big.stat().st_size / MB:.1f} MiB PDF built and signed ({time.perf_counter() - t0:.0f} s)")
        t0 = time.perf_counter()
        results["memory"] = bench_memory(big, big_signed, small, files["1sig-1p"], pki, tmp, config.memory_repeats)
        for label, values in results["memory"].items():
            log(f"  {label:22} peak − after imports {values['delta_mib_median']:7.1f} MiB "
                f"({values['delta_x_file_median']:.2f}× the file) in {values['seconds_median']:.2f} s")
        if config.profiles:
            results["memory_profile"] = {mode: memory_profile(mode, pdf, pki) for mode, pdf in
                                         (("docflow-sign", big), ("docflow-verify", big_signed))}
        log(f"  ({time.perf_counter() - t0:.0f} s)")
    return results


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["child"]:
        mode, pdf, keys_dir, out, report = argv[1:6]
        return child(mode, Path(pdf), Path(keys_dir), Path(out), Path(report))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (about half the time)")
    parser.add_argument("--out", type=Path, help="write every figure (raw samples included) as JSON here")
    args = parser.parse_args(argv)
    results = run_all(QUICK if args.quick else Config())
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
