"""Render the benchmark's results as Markdown (bench/RESULTS.md) and as a compact console summary."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.chain import ChainResult
from bench.upload import UploadResult
from bench.web import Result

TARGET_MS = 50.0
TARGET_UPLOAD_MULTIPLE = 3.0


@dataclass
class DatabaseReport:
    label: str
    sizes: dict[str, str]
    timings: dict[str, float]
    notes: list[str]
    pages: list[Result] = field(default_factory=list)
    chain: ChainResult | None = None
    upload: UploadResult | None = None
    statements: dict[str, list[str]] = field(default_factory=dict)

    @property
    def misses(self) -> list[Result]:
        return [r for r in self.pages if not r.app.p95 <= TARGET_MS or r.errors]


_COLUMNS = re.compile(r"SELECT (?:(?!SELECT |FROM ).)+?FROM ")


def _short_sql(statement: str, width: int = 170) -> str:
    """'SELECT … FROM documents WHERE …' — column lists elided, then truncated."""
    text = _COLUMNS.sub(lambda m: "SELECT count(*) FROM " if "count(" in m.group(0) else "SELECT … FROM ",
                        statement)
    return text if len(text) <= width else text[:width] + " …"


def _ms(value: float) -> str:
    return f"{value:.1f}"


def _verdict(ok: bool) -> str:
    return "✅ met" if ok else "❌ missed"


def _pages_table(db: DatabaseReport, requests: int) -> list[str]:
    lines = [
        f"Server time in ms over {requests} requests each (after 5 warm-up requests), measured around "
        "`app.test_client().get()`. *bare* = the very SELECTs docflow sent for that request, recorded with a "
        "`before_cursor_execute` listener and issued again right after it with SQLAlchemy Core "
        "(`Connection.exec_driver_sql`) on the same engine, all rows fetched (plus reading the blob for "
        "`/file`); *ratio* = docflow p95 ÷ bare p95, i.e. what ORM + session + Flask + Jinja add to the "
        "database work. *SQL* = statements per docflow request (transaction control excluded; min–max); "
        "the same count on page 1 and page 200 and on every document page is the no-N+1 evidence.", "",
        "| user | page | docflow p50 | docflow p95 | docflow max | bare p50 | bare p95 | ratio | SQL | p95 ≤ 50 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in db.pages:
        flag = _verdict(r.app.p95 <= TARGET_MS and not r.errors)
        extra = f" ({r.errors} non-200)" if r.errors else ""
        lines.append(f"| {r.user} | {r.scenario} | {_ms(r.app.p50)} | **{_ms(r.app.p95)}** | {_ms(r.app.max)} | "
                     f"{_ms(r.bare.p50)} | {_ms(r.bare.p95)} | ×{r.ratio:.1f} | {r.sql} | {flag}{extra} |")
    return lines


def _chain_table(c: ChainResult) -> list[str]:
    return [
        "| figure | value |", "|---|---:|",
        f"| events verified | {c.events:,} ({'intact' if c.intact else 'BROKEN: ' + c.problem}) |",
        f"| `verify_chain` wall time | {c.verify_s:.2f} s ({c.events_per_s:,.0f} events/s) |",
        f"| `verify_chain` peak Python memory (tracemalloc, second run) | {c.verify_peak_mb:.1f} MB |",
        f"| bare: one Core SELECT of all rows, fetched | {c.fetch_s:.2f} s |",
        f"| bare: `canonical_bytes` of every row | {c.encode_s:.2f} s |",
        f"| bare: hashlib SHA-256 plain loop over the canonical rows | {c.hash_s:.2f} s "
        f"(chain {'valid' if c.bare_intact else 'INVALID'}) |",
        f"| ratio verify_chain ÷ hashlib loop | ×{c.ratio_vs_hash:.1f} |",
        f"| ratio verify_chain ÷ (fetch + encode + hash) | ×{c.ratio_vs_bare:.2f} |",
    ]


def _upload_table(u: UploadResult) -> list[str]:
    return [
        "| figure | value |", "|---|---:|",
        f"| file | {u.file_bytes / 1024 / 1024:.1f} MiB ({u.file_bytes:,} bytes), one 8192×6400 image stream |",
        f"| response | HTTP {u.status} → `{u.location}`; stored blob SHA-256 {'matches' if u.sha256_ok else 'DIFFERS'} |",
        f"| upload wall time (client, loopback) | {u.seconds:.2f} s |",
        f"| server VmHWM after sign-in + warm-up (argon2's 64 MiB verify) | {u.hwm_before_mb:.1f} MB |",
        f"| server VmRSS right before the upload (peak reset via clear_refs: {'yes' if u.hwm_reset else 'no'}) "
        f"| {u.rss_before_mb:.1f} MB |",
        f"| server peak during the upload (VmHWM / sampled VmRSS) | {u.hwm_after_mb:.1f} / {u.sampled_max_mb:.1f} MB |",
        f"| **peak growth** | **{u.growth_mb:.1f} MB = {u.multiple:.2f}× the file size** "
        f"(target < {TARGET_UPLOAD_MULTIPLE:.0f}×: {_verdict(u.multiple < TARGET_UPLOAD_MULTIPLE and u.ok)}) |",
        f"| bare `shutil.copyfileobj` of the same file (fresh process, VmHWM growth) | {u.bare_copy_growth_mb:.1f} MB |",
    ]


def _summary_rows(dbs: list[DatabaseReport]) -> list[str]:
    head = "| target | " + " | ".join(d.label for d in dbs) + " |"
    lines = [head, "|---|" + "---|" * len(dbs)]
    scenarios = list(dict.fromkeys((r.user, r.scenario) for d in dbs for r in d.pages))
    for user, name in scenarios:
        cells = []
        for d in dbs:
            r = next((x for x in d.pages if (x.user, x.scenario) == (user, name)), None)
            cells.append("—" if r is None else f"{_ms(r.app.p95)} ms (×{r.ratio:.1f}) {_verdict(r.app.p95 <= TARGET_MS)}")
        lines.append(f"| p95 ≤ 50 ms: {user}, {name} | " + " | ".join(cells) + " |")
    cells = [f"{d.upload.multiple:.2f}× {_verdict(d.upload.multiple < TARGET_UPLOAD_MULTIPLE and d.upload.ok)}"
             if d.upload else "—" for d in dbs]
    lines.append("| 50 MB upload peak < 3× file | " + " | ".join(cells) + " |")
    cells = [f"{d.chain.verify_s:.1f} s (×{d.chain.ratio_vs_hash:.1f} hashlib, ×{d.chain.ratio_vs_bare:.2f} bare)"
             if d.chain else "—" for d in dbs]
    lines.append("| audit chain verify (no target; ratio) | " + " | ".join(cells) + " |")
    return lines


def markdown(dbs: list[DatabaseReport], facts: dict[str, str], args: dict[str, object], total_s: float,
             notes: list[str]) -> str:
    """The whole RESULTS.md."""
    now = datetime.now(UTC).astimezone()
    out = [
        "# docflow benchmark results", "",
        f"Generated by `make bench` (`python -m bench.run`) on {now:%Y-%m-%d %H:%M %Z}; the whole run took "
        f"{total_s / 60:.1f} min. Arguments: " + ", ".join(f"`--{k} {v}`" for k, v in args.items()) + ".", "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()) + ".", "",
        *[f"> {n}" for n in notes], *([""] if notes else []),
        "## Targets", "", *_summary_rows(dbs), "",
    ]
    for d in dbs:
        out += [f"## {d.label}", "", "### Dataset", "", "| table / item | size |", "|---|---:|",
                *[f"| {k} | {v} |" for k, v in d.sizes.items()], "",
                "| generation step | seconds |", "|---|---:|",
                *[f"| {k} | {v:.1f} |" for k, v in d.timings.items()],
                f"| **total** | **{sum(d.timings.values()):.1f}** |", "",
                *[f"- {n}" for n in d.notes], "", "### Pages", "", *_pages_table(d, int(str(args["requests"]))), ""]
        if d.statements:
            out += ["SQL issued by one request as vanthu (column lists elided):", ""]
            for url, statements in d.statements.items():
                out += [f"- `{url}` — {len(statements)} statements:",
                        *[f"  {i}. `{_short_sql(s)}`" for i, s in enumerate(statements, 1)]]
            out.append("")
        if d.chain:
            out += ["### Audit chain", "", *_chain_table(d.chain), ""]
        if d.upload:
            out += ["### 50 MB upload (real `docflow run` server, waitress)", "", *_upload_table(d.upload), ""]
    return "\n".join(out).rstrip() + "\n"


def console(dbs: list[DatabaseReport]) -> str:
    """A compact summary for the terminal."""
    lines = []
    for d in dbs:
        worst = max(d.pages, key=lambda r: r.app.p95) if d.pages else None
        lines.append(f"{d.label}: {len(d.pages) - len(d.misses)}/{len(d.pages)} pages at p95 ≤ {TARGET_MS:.0f} ms"
                     + (f"; worst {worst.user} / {worst.scenario} {worst.app.p95:.1f} ms" if worst else ""))
        for r in d.misses:
            lines.append(f"  MISSED {r.user} / {r.scenario}: p95 {r.app.p95:.1f} ms (bare {r.bare.p95:.1f} ms)")
        if d.chain:
            lines.append(f"  audit chain: {d.chain.events:,} events in {d.chain.verify_s:.1f} s, "
                         f"×{d.chain.ratio_vs_hash:.1f} vs hashlib, peak {d.chain.verify_peak_mb:.1f} MB")
        if d.upload:
            lines.append(f"  50 MB upload: +{d.upload.growth_mb:.1f} MB = {d.upload.multiple:.2f}× file "
                         f"({'ok' if d.upload.ok else 'FAILED'})")
    return "\n".join(lines)
