"""bench/LOAD.md from a run of bench/load/run.sh: per configuration (1, 2 app processes) and load step, the
throughput, p50/p95/p99 per action, errors, CPU of the app and of PostgreSQL, the load average; the highest
step held within the targets; what grew from 1 to 2 processes; then bench/load/analysis.md (written by hand).

    .venv/bin/python -m bench.load.report [--out bench/LOAD.md]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.databases import machine_facts
from bench.load import paths
from bench.timing import percentile

PAGES = ("home", "queue", "document page", "search")        # target: p95 ≤ 150 ms
ISSUING = ("issue",)                                        # target: p95 ≤ 1 s
ORDER = ("sign-in form", "sign-in", "home", "queue", "document page", "search", "register form", "register incoming",
         "approve", "sign", "issue")
PAGE_MS, ISSUE_MS = 150.0, 1000.0
STEADY = float(os.environ.get("LOAD_STEADY_SECONDS", "40"))  # the last seconds of each step are measured


@dataclass
class Window:
    users: int
    seconds: float
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: Counter[str] = field(default_factory=Counter)
    load1: list[float] = field(default_factory=list)
    app_cpu: float = 0.0
    pg_cpu: float = 0.0
    connections: int = 0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.times.values())

    def p(self, names: tuple[str, ...], q: float) -> float | None:
        values = sorted(v for n in names for v in self.times.get(n, []))
        return percentile(values, q) if values else None

    def cpu_per_request(self, percent: float) -> str:
        """CPU milliseconds per request in the window (CPU % × 10 ms per second ÷ requests per second)."""
        rate = self.requests / self.seconds
        return f"{percent * 10 / rate:.1f}" if rate else "–"

    def held(self) -> bool:
        pages = self.p(PAGES, 95)
        issue = self.p(ISSUING, 95)
        errors = sum(self.failures.values())
        return pages is not None and pages <= PAGE_MS and (issue is None or issue <= ISSUE_MS) and errors == 0


def _windows(run: Path, n: int, steps: list[int], step_seconds: int) -> list[Window]:
    start = float((run / f"locust{n}.start").read_text())
    windows = [Window(users, STEADY) for users in steps]

    def index(t: float) -> int | None:
        k = int((t - start) // step_seconds)
        if 0 <= k < len(steps) and (t - start) - k * step_seconds >= step_seconds - STEADY:
            return k
        return None

    with (run / f"requests{n}.csv").open(encoding="utf-8") as f:
        for t, name, ms, ok in csv.reader(f):
            k = index(float(t))
            if k is None:
                continue
            windows[k].times[name].append(float(ms))
            if ok != "1":
                windows[k].failures[name] += 1
    samples = [json.loads(line) for line in (run / f"monitor{n}.jsonl").read_text().splitlines() if line]
    for k, w in enumerate(windows):
        inside = [s for s in samples if index(s["t"]) == k]
        if len(inside) >= 2:
            span = inside[-1]["t"] - inside[0]["t"]
            w.app_cpu = (inside[-1]["app_cpu"] - inside[0]["app_cpu"]) / span * 100
            w.pg_cpu = (inside[-1]["pg_cpu"] - inside[0]["pg_cpu"]) / span * 100
            w.load1 = [s["load1"] for s in inside]
            w.connections = max(s["connections"] for s in inside)
    return windows


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def _config_section(n: int, windows: list[Window], run: Path) -> list[str]:
    lines = [f"### {n} app process{'es' if n > 1 else ''}", "",
             "| users | req/s | page p95 ms | issue p95 ms | errors | within targets | app CPU % | PostgreSQL CPU % "
             "| app CPU ms / req | PostgreSQL CPU ms / req | DB connections | load avg (1 min) |",
             "|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|"]
    for w in windows:
        load = f"{min(w.load1):.1f}–{max(w.load1):.1f}" if w.load1 else "–"
        lines.append(f"| {w.users:,} | {w.requests / w.seconds:.1f} | {_ms(w.p(PAGES, 95))} | {_ms(w.p(ISSUING, 95))} "
                     f"| {sum(w.failures.values())} | {'✅' if w.held() else '❌'} | {w.app_cpu:.0f} | {w.pg_cpu:.0f} "
                     f"| {w.cpu_per_request(w.app_cpu)} | {w.cpu_per_request(w.pg_cpu)} | {w.connections} | {load} |")
    lines += ["", "Per action (p50 / p95 / p99 ms, requests, failures) in each step's measured window:", "",
              "| action | " + " | ".join(f"{w.users:,} users" for w in windows) + " |",
              "|---|" + "---|" * len(windows)]
    names = [a for a in ORDER if any(a in w.times for w in windows)]
    names += sorted({a for w in windows for a in w.times} - set(names))
    for name in names:
        cells = []
        for w in windows:
            values = sorted(w.times.get(name, []))
            if not values:
                cells.append("–")
                continue
            cells.append(f"{percentile(values, 50):.0f} / {percentile(values, 95):.0f} / {percentile(values, 99):.0f}"
                         f" ({len(values)}{', **' + str(w.failures[name]) + ' failed**' if w.failures[name] else ''})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    failures = (run / f"locust{n}_failures.csv")
    if failures.exists():
        rows = list(csv.DictReader(failures.open(encoding="utf-8")))
        if rows:
            lines += ["", "Failures Locust saw over the whole run (spawning included):", "",
                      "| action | occurrences | error |", "|---|---:|---|"]
            for row in rows[:12]:
                lines.append(f"| {row['Name']} | {row['Occurrences']} | {row['Error'][:160]} |")
    timing = run / f"locust{n}.time"
    figures = timing.read_text().split()[-3:] if timing.exists() else []
    if len(figures) == 3:
        user, system, elapsed = (float(x) for x in figures)
        lines += ["", f"Locust itself (same machine) used {(user + system) / elapsed * 100:.0f} % of a core on "
                      f"average over its {elapsed:.0f} s."]
    samples = [json.loads(x) for x in (run / f"monitor{n}.jsonl").read_text().splitlines() if x]
    queries = Counter(q for s in samples for q in s.get("queries", []))
    if queries:
        lines += ["", f"Statements caught running in {len(samples)} samples of pg_stat_activity (every 2 s; the more "
                  "often a statement is caught, the more database time it takes):", "", "| samples | statement |",
                  "|---:|---|"]
        for q, c in queries.most_common(8):
            lines.append(f"| {c} | `{q[:160].replace('|', '¦')}` |")
    return lines + [""]


def _signin_section(run: Path) -> list[str]:
    """The morning: every account signing in once (argon2 per sign-in), before the measured runs."""
    path = run / "signin.csv"
    if not path.exists():
        return []
    ok: list[tuple[float, float]] = []
    failed = 0
    with path.open(encoding="utf-8") as f:
        for t, name, ms, good in csv.reader(f):
            if name == "sign-in":
                if good == "1":
                    ok.append((float(t), float(ms)))
                else:
                    failed += 1
    if not ok:
        return ["## The morning sign-in", "", "No sign-in succeeded.", ""]
    span = max(ok[-1][0] - ok[0][0], 1.0)
    times = sorted(ms for _t, ms in ok)
    procs, rate = ((run / "signin.procs").read_text().split() + ["?", "?"])[:2]
    return ["## The morning sign-in", "",
            f"Before the measured runs a sample of accounts signed in ({procs} app process(es), {rate} new users a "
            "second, each retrying after a busy answer); the measured runs reuse sessions made as a sign-in makes "
            "them (bench/load/sessions.py), as a working day does (sessions last 8 h idle, 12 h at most).", "",
            "| sign-ins | per second | p50 ms | p95 ms | p99 ms | answered busy (503, retried) |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {len(ok):,} | {len(ok) / span:.1f} | {percentile(times, 50):.0f} | {percentile(times, 95):.0f} "
            f"| {percentile(times, 99):.0f} | {failed:,} |", ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load.report")
    parser.add_argument("--out", type=Path, default=paths.HERE.parent / "LOAD.md")
    args = parser.parse_args(argv)
    run = paths.VAR / "run"
    steps = [int(s) for s in os.environ.get("LOAD_STEPS", "300,1000,2000,3000").split(",")]
    step_seconds = int(os.environ.get("LOAD_STEP_SECONDS", "75"))
    gen = json.loads((paths.VAR / "generation.json").read_text())
    configs = sorted(int(p.stem[len("locust"):]) for p in run.glob("locust*.start"))
    results = {n: _windows(run, n, steps, step_seconds) for n in configs}
    facts = machine_facts()
    lines = ["# Load test: a province on one machine (issue 16 §4)", "",
             f"Generated by `bench/load/run.sh` (`make bench-load`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. "
             f"Machine: nproc {facts['nproc']}, {facts['cpu']}, RAM {facts['ram']}, PostgreSQL {facts['postgresql']}, "
             f"Python {facts['python']}.", ""]
    note = os.environ.get("LOAD_NOTE")
    if note:
        lines += [f"> {note}", ""]
    c = gen["counts"]
    lines += ["## Scale of this run", "",
              f"{c['organisations']} wards, {c['users']:,} accounts, {c['documents']:,} documents "
              f"({c['document_versions']:,} versions, {c['routing_steps']:,} routing steps, {c['assignments']:,} "
              f"assignments), {c['audit_events']:,} audit events, {c['certificates']} certificates; database "
              f"{c['database size']} (generated {gen['generated_at']}, arguments {gen['args']}).", "",
              f"Load: Locust steps of {', '.join(f'{s:,}' for s in steps)} users, {step_seconds} s each; each user "
              f"acts every 20–40 s (30 s on average), with the day's session (its first action within 30 s of "
              f"joining). "
              f"Only the last {STEADY:.0f} s of each step are measured (the first part is the step's new users "
              f"arriving). Requests go through nginx (127.0.0.1:5180). Targets: p95 ≤ {PAGE_MS:.0f} ms for "
              f"pages ({', '.join(PAGES)}), p95 ≤ {ISSUE_MS / 1000:.0f} s for issuing, no errors.", ""]
    lines += ["## Summary", "", "| app processes | highest step within targets | its req/s | req/s at the top step "
              "| page p95 at the top step (ms) | errors at the top step |", "|---:|---|---:|---:|---:|---:|"]
    best: dict[int, float] = {}
    for n, windows in results.items():
        held = [w for w in windows if w.held()]
        top = windows[-1]
        best[n] = held[-1].requests / held[-1].seconds if held else 0.0
        lines.append(f"| {n} | {f'{held[-1].users:,} users' if held else 'none'} | {best[n]:.1f} | "
                     f"{top.requests / top.seconds:.1f} | {_ms(top.p(PAGES, 95))} | {sum(top.failures.values())} |")
    if 1 in results and 2 in results:
        top1, top2 = results[1][-1], results[2][-1]
        rate1, rate2 = top1.requests / top1.seconds, top2.requests / top2.seconds
        if rate1:
            lines += ["", f"At the top step ({top1.users:,} users) throughput went ×{rate2 / rate1:.2f} from 1 "
                          f"to 2 processes ({rate1:.1f} → {rate2:.1f} req/s)."]
    if 1 in best and 2 in best and best[1]:
        lines += ["", f"From 1 to 2 processes the highest rate held within the targets went ×{best[2] / best[1]:.2f} "
                      f"({best[1]:.1f} → {best[2]:.1f} req/s)."]
    lines += [""]
    lines += _signin_section(run)
    lines += ["## Per configuration", ""]
    for n, windows in results.items():
        lines += _config_section(n, windows, run)
    lines += ["## Generating the data", "", "| step | seconds |", "|---|---:|"]
    lines += [f"| {k} | {v:.1f} |" for k, v in gen["timings"].items()]
    analysis = paths.HERE / "analysis.md"
    if analysis.exists():
        lines += ["", analysis.read_text(encoding="utf-8").rstrip()]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
