"""docflow dashboard benchmark: /dashboard for every role at 100,000 documents and 300,000 assignments.

The data set is bench/dataset.py's documents and bench/workflow.py's assignments and routes, unchanged; the
figures also need what those leave empty, so two UPDATEs complete it the way docflow's own services would have:
every incoming document gets its receipt time (ngày đến = its creation) and a số đến, and every issued
outgoing document its issue time (the decision time of its done issue step). No audit events are inserted:
the dashboard does not read them.

Each page request is followed at once by the bare replay of the SELECTs it sent (bench/web.py's interleaved
loop), so the ratio compares docflow with the same queries run by SQLAlchemy Core alone.

Full run: 100,000 documents, 300,000 assignments, 100 timed requests per page. ``--quick``: a tenth.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from bench import dataset, web, workflow
from bench.workflow import log
from bench.databases import BenchDatabase, create_database, machine_facts
from bench.report import _short_sql
from bench.timing import SqlRecorder
from docflow import PROJECT_ROOT
from docflow.models import Assignment, Department, Document, RoutingStep

TARGET_MS = 150.0
FULL = {"documents": 100_000, "assignments": 300_000, "requests": 100}
QUICK = {"documents": 10_000, "assignments": 30_000, "requests": 20}
USERS = (("leader", "chutich"), ("auditor", "thanhtra"), ("head", "truongdc"), ("official", "chuyenvien.dc"),
         ("clerk", "vanthu"))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="a tenth of the data and fewer requests")
    parser.add_argument("--requests", type=int, default=None, help="timed requests per page")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench" / "DASHBOARD.md")
    parser.add_argument("--keep", action="store_true", help="keep the generated databases and data directories")
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    return args


def complete_dataset(engine: Engine) -> None:
    """Receipt time and số đến for incoming documents, issue time for issued outgoing ones."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE documents SET received_at = created_at, register_number = id "
                          "WHERE kind = 'incoming'"))
        # UPDATE … FROM (SQLite ≥ 3.33 and PostgreSQL): only the issued rows are written
        conn.execute(text("UPDATE documents SET issued_at = done.decided_at FROM (SELECT document_id, "
                          "max(decided_at) AS decided_at FROM routing_steps WHERE kind = 'issue' AND status = 'done' "
                          "GROUP BY document_id) AS done WHERE done.document_id = documents.id "
                          "AND documents.kind = 'outgoing'"))


@dataclass
class PageResult:
    role: str
    result: web.Result
    slowest_sql: str = ""
    slowest_ms: float = float("nan")
    first_ms: float = float("nan")      # the page's first request: it builds the closed months not kept yet
    explain: list[str] = field(default_factory=list)


def scenarios(engine: Engine, username: str, n: int) -> list[web.Scenario]:
    """This year (the default), and for the chairman also the whole three years and one department."""
    total = n + web.WARMUP
    found = [web.Scenario("/dashboard (this year)", [{}] * total, lambda p: "/dashboard/")]
    if username == "chutich":
        today = date.today()
        span = {"from": (today - timedelta(days=3 * 365)).isoformat(), "to": today.isoformat()}
        found.append(web.Scenario("/dashboard 3 years", [span] * total,
                                  lambda p: f"/dashboard/?from={p['from']}&to={p['to']}"))
        with engine.connect() as conn:
            dept = conn.execute(select(Department.id).where(Department.code == "ĐC")).scalar_one()
        found.append(web.Scenario("/dashboard ?department=ĐC", [{"d": str(dept)}] * total,
                                  lambda p: f"/dashboard/?department_id={p['d']}"))
    return found


def measure(data: dataset.Dataset, requests: int) -> list[PageResult]:
    recorder = SqlRecorder(data.engine)
    results: list[PageResult] = []
    try:
        for role, username in USERS:
            client = web.sign_in(data.app, username)
            for sc in scenarios(data.engine, username, requests):
                started = time.perf_counter()
                client.get(sc.url(sc.params[0]))
                first_ms = (time.perf_counter() - started) * 1000
                result = web._run(client, data, recorder, sc, username)  # noqa: SLF001 - the shared interleaved loop
                page = PageResult(role, result, first_ms=first_ms)
                url = sc.url(sc.params[-1])
                captured = workflow._statements(client, recorder, url)  # noqa: SLF001 - reused as is
                statement, params, page.slowest_ms = workflow._slowest(data.engine, captured)  # noqa: SLF001
                page.slowest_sql = " ".join(statement.split())
                if not result.app.p95 <= TARGET_MS or result.errors:
                    page.explain = workflow.explain(data.engine, statement, params)
                results.append(page)
                log(f"  {username:<14} {sc.name:<28} first {first_ms:7.1f} ms  p95 {result.app.p95:7.1f} ms  bare {result.bare.p95:6.1f} ms"
                    f"  ×{result.ratio:4.1f}  sql {result.sql:>3}  slowest stmt {page.slowest_ms:6.1f} ms"
                    f"  ({time.perf_counter() - started:.0f} s)")
    finally:
        recorder.close()
    return results


@dataclass
class DbReport:
    label: str
    sizes: dict[str, str]
    timings: dict[str, float]
    pages: list[PageResult]
    load: list[tuple[str, tuple[float, float, float]]]


def _sizes(engine: Engine) -> dict[str, str]:
    this_year = date.today().year
    with engine.connect() as conn:
        def count(query: object) -> str:
            return f"{conn.execute(query).scalar_one():,}"  # type: ignore[call-overload]
        return {
            "documents": count(select(func.count()).select_from(Document)),
            "assignments": count(select(func.count()).select_from(Assignment)),
            "routing_steps": count(select(func.count()).select_from(RoutingStep)),
            f"completed assignments in {this_year}": count(select(func.count()).where(
                Assignment.completed_at >= text(f"'{this_year}-01-01'"))),
            f"documents issued in {this_year}": count(select(func.count()).where(
                Document.issued_at >= text(f"'{this_year}-01-01'"))),
        }


def bench_database(kind: str, args: argparse.Namespace) -> DbReport:
    database: BenchDatabase = create_database(kind, "dashboard", keep=args.keep)
    log(f"== {database.label}: {database.url}")
    load = [("start", os.getloadavg())]
    try:
        app = dataset.build_app(database)
        data = dataset.seed(app, args.documents, args.documents)
        workflow.insert_workflow(data, args.assignments)
        started = time.perf_counter()
        complete_dataset(data.engine)
        data.timings["receipt and issue times (2 UPDATEs)"] = time.perf_counter() - started
        dataset.finish(data)
        log("  dataset ready: " + ", ".join(f"{k} {v:.1f} s" for k, v in data.timings.items()))
        load.append(("pages", os.getloadavg()))
        pages = measure(data, args.requests)
        load.append(("end", os.getloadavg()))
        sizes = _sizes(data.engine)
        data.engine.dispose()
        return DbReport(database.label, sizes, dict(data.timings), pages, load)
    finally:
        database.drop()


def markdown(dbs: list[DbReport], facts: dict[str, str], args: argparse.Namespace, total_s: float) -> str:
    out = ["# docflow dashboard benchmark", "",
           f"Generated by `make bench-dashboard` (`python -m bench.dashboard`) on "
           f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; the whole run took {total_s / 60:.1f} min. "
           f"Data: {args.documents:,} documents, {args.assignments:,} assignments; {args.requests} timed requests "
           "per page.", "",
           "Machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()) + ".", "",
           "> Other engineers ran their test suites on the same 2 cores during this run (load averages below): "
           "every request is timed next to its bare replay, so the ratios carry less of that noise than the "
           "absolute times.", "",
           "How to run: `make bench-dashboard` (both databases, full size), or `.venv/bin/python -m bench.dashboard "
           "--db sqlite|postgresql|both [--quick] [--requests N] [--out FILE] [--keep]`.", "",
           f"## Target (issue 13, §2): p95 ≤ {TARGET_MS:.0f} ms", "",
           "| page | " + " | ".join(d.label for d in dbs) + " |", "|---|" + "---|" * len(dbs)]
    keys = [(p.result.user, p.result.scenario) for p in dbs[0].pages] if dbs else []
    for user, scenario in keys:
        cells = []
        for d in dbs:
            page = next((p for p in d.pages if (p.result.user, p.result.scenario) == (user, scenario)), None)
            cells.append("—" if page is None else
                         f"{page.result.app.p95:.1f} ms (bare {page.result.bare.p95:.1f}, ×{page.result.ratio:.1f}) "
                         + ("✅ met" if page.result.app.p95 <= TARGET_MS and not page.result.errors else "❌ missed"))
        out.append(f"| {user}: {scenario} | " + " | ".join(cells) + " |")
    out += ["", "## Method", "",
            "- Data: `bench/dataset.py` (documents over three years) and `bench/workflow.py`'s `insert_workflow` "
            "(assignments with deadlines and completion times, outgoing routes), then two UPDATEs (module "
            "docstring). VACUUM ANALYZE / ANALYZE as `make bench` does.",
            "- Pages: signed in through `/login`, `app.test_client().get()` timed around the call (server time, "
            f"no network), {web.WARMUP} warm-up requests then the timed ones. *bare* = the SELECTs docflow sent "
            "for that request replayed at once with `Connection.exec_driver_sql` on the same engine, all rows "
            "fetched. *slowest stmt* = the request's slowest SELECT alone (median of 5). *first* = the page's "
            "first request, before the warm-up: it builds and keeps the closed months no earlier page kept "
            "(services/reports/months.py); the timed requests read them."]
    for d in dbs:
        out += ["", f"## {d.label}", "", "| table | rows |", "|---|---:|"]
        out += [f"| {k} | {v} |" for k, v in d.sizes.items()]
        out += ["", "Load averages (1/5/15 min): " + "; ".join(f"{k} {a:.2f}/{b:.2f}/{c:.2f}"
                                                              for k, (a, b, c) in d.load) + ".", "",
                "| user | page | first | p50 | p95 | max | bare p95 | ratio | SQL | slowest stmt |",
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for p in d.pages:
            r = p.result
            out.append(f"| {r.user} | {r.scenario} | {p.first_ms:.1f} | {r.app.p50:.1f} | {r.app.p95:.1f} | {r.app.max:.1f} | "
                       f"{r.bare.p95:.1f} | ×{r.ratio:.1f} | {r.sql} | {p.slowest_ms:.1f} ms |")
        slowest = max(d.pages, key=lambda p: p.slowest_ms, default=None)
        if slowest is not None:
            out += ["", f"Slowest statement ({slowest.result.user}, {slowest.result.scenario}): "
                        f"`{_short_sql(slowest.slowest_sql)}`"]
        for p in d.pages:
            if p.explain:
                out += ["", f"Plan ({p.result.user}, {p.result.scenario}):", "", "```", *p.explain, "```"]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    facts = machine_facts()
    log("docflow dashboard bench — " + ", ".join(f"{k} {v}" for k, v in facts.items()))
    kinds = ("postgresql", "sqlite") if args.db == "both" else (args.db,)
    results = [bench_database(kind, args) for kind in kinds]
    total = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(results, facts, args, total), encoding="utf-8")
    log(f"wrote {args.out} ({total / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
