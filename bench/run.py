"""`make bench`: generate the dataset, measure docflow against the bare library, write bench/RESULTS.md.

    .venv/bin/python -m bench.run [--db sqlite|postgresql|both] [--documents 100000] [--events 1000000]
                                  [--requests 200] [--out bench/RESULTS.md] [--keep]

A quick check (about half a minute): ``--documents 2000 --events 20000``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from bench import chain, dataset, events, report, upload, web
from bench.databases import BenchDatabase, create_database, machine_facts
from docflow import PROJECT_ROOT
from docflow.models import AuditEvent, Department, Document, DocumentGrant, DocumentVersion, User

FULL_REQUESTS, QUICK_REQUESTS, QUICK_BELOW = 200, 30, 10_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=None,
                        help=f"timed requests per page and user (default {FULL_REQUESTS}; "
                             f"{QUICK_REQUESTS} when --documents < {QUICK_BELOW:,}, so quick checks stay quick)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the generated databases and data directories")
    parser.add_argument("--note", action="append", default=[], help="a line to add to the report's header")
    args = parser.parse_args(argv)
    if args.requests is None:
        args.requests = FULL_REQUESTS if args.documents >= QUICK_BELOW else QUICK_REQUESTS
    if args.documents < 1 or args.requests < 1:
        parser.error("--documents and --requests must be positive")
    return args


def log(message: str) -> None:
    print(message, flush=True)


def _sizes(engine: Engine, database: BenchDatabase, blobs: int) -> dict[str, str]:
    with engine.connect() as conn:
        def count(model: type) -> str:
            return f"{conn.execute(select(func.count()).select_from(model)).scalar_one():,}"
        sizes = {"documents": count(Document), "document_versions": count(DocumentVersion),
                 "document_grants": count(DocumentGrant), "audit_events": count(AuditEvent),
                 "users": count(User), "departments": count(Department), "distinct PDF blobs": str(blobs)}
        if database.kind == "postgresql":
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        else:
            size = sum(p.stat().st_size for p in database.data_dir.glob("bench.db*"))
    sizes["database size on disk"] = f"{size / 1024 / 1024:,.0f} MB"
    return sizes


def bench_database(kind: str, args: argparse.Namespace) -> report.DatabaseReport:
    """Generate, measure pages and the audit chain, then the upload, all on one kind of database."""
    database = create_database(kind, "data", keep=args.keep)
    log(f"== {database.label}: {database.url}")
    try:
        app = dataset.build_app(database)
        engine: Engine = app.extensions["docflow.engine"]
        data = dataset.seed(app, args.documents, args.events)
        log(f"  {args.documents:,} documents inserted; generating {data.timeline.events:,} audit events …")
        events.insert_events(data)
        notes = [dataset.finish(data)]
        if database.keep:
            notes.append(f"kept: {database.url} (data dir {database.data_dir})")
        log("  dataset ready: " + ", ".join(f"{k} {v:.1f} s" for k, v in data.timings.items()))
        result = report.DatabaseReport(database.label, {}, dict(data.timings), notes)
        result.pages = web.measure(data, args.requests, log)
        for url in ("/documents/", f"/documents/?page={web.DEEP_PAGE}", "/documents/1"):
            result.statements[url] = web.statements_of(data, "vanthu", url)
        log("  verifying the audit chain …")
        result.chain = chain.measure(app, engine)
        log(f"  audit chain: {result.chain.events:,} events, verify {result.chain.verify_s:.1f} s, "
            f"hashlib {result.chain.hash_s:.1f} s, peak {result.chain.verify_peak_mb:.1f} MB")
        result.sizes = _sizes(engine, database, len(data.blobs))
        engine.dispose()
    finally:
        database.drop()
    upload_db = create_database(kind, "upload", keep=args.keep)
    try:
        log("  50 MB upload to a real server …")
        result.upload = upload.measure(upload_db)
        log(f"  upload: HTTP {result.upload.status}, peak +{result.upload.growth_mb:.1f} MB "
            f"({result.upload.multiple:.2f}× file)")
    finally:
        upload_db.drop()
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    facts = machine_facts()
    log("docflow bench — " + ", ".join(f"{k} {v}" for k, v in facts.items()))
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    results = [bench_database(kind, args) for kind in kinds]
    total = time.perf_counter() - started
    shown = {"db": args.db, "documents": args.documents, "events": args.events, "requests": args.requests}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report.markdown(results, facts, shown, total, args.note), encoding="utf-8")
    log("")
    log(report.console(results))
    log(f"wrote {args.out} ({total / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
