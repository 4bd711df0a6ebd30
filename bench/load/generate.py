"""Build the load bench's deployment: PostgreSQL database ``docflow_load``, wards, accounts, keys, documents, events.

    .venv/bin/python -m bench.load.generate [--wards 100] [--documents 2000000] [--events 5000000]
                                            [--key-wards 20] [--fresh]

Without ``--fresh`` an existing database is kept (and only the manifest is written again). Ward 1 is made by
the real commands (`docflow init`, `docflow demo`: the demo accounts, keys and documents walked through the
services); wards 2..N by bench/load/provision.py; documents and events by COPY (bench/load/documents.py,
bench/load/events.py). Writes bench/load/var/manifest.json for the locustfile and var/generation.json
(timings, row counts) for the report.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, text

from bench.load import documents, events, paths, provision
from docflow import PROJECT_ROOT, create_app


def log(message: str) -> None:
    print(message, flush=True)


def _exists() -> bool:
    admin = create_engine(paths.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": paths.DB_NAME}).first()
    admin.dispose()
    return found is not None


def _recreate() -> None:
    admin = create_engine(paths.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{paths.DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{paths.DB_NAME}"'))
    admin.dispose()
    subprocess.run(["rm", "-rf", str(paths.VAR / "data"), str(paths.VAR / "keys"), str(paths.VAR / "sessions.json")],
                   check=True)


def _docflow(*args: str) -> None:
    env = {**os.environ, "DOCFLOW_CONFIG": str(paths.CONFIG), "PYTHONPATH": str(PROJECT_ROOT)}
    subprocess.run([str(PROJECT_ROOT / ".venv" / "bin" / "docflow"), *args], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def _blobs(app: Any) -> tuple[list[documents.Blob], documents.Blob]:
    """A few real PDFs for incoming and internal documents, and the demo's template draft for outgoing ones."""
    from tests.conftest import pdf_bytes  # the bench's PDFs, as bench/dataset.py makes them
    store = app.extensions["docflow.store"]
    blobs = []
    for n in range(6):
        pdf = pdf_bytes(f"docflow load bench blob {n}", pages=1 + n % 3)
        blobs.append(documents.Blob(store.put_bytes(pdf), len(pdf), 1 + n % 3))
    engine = app.extensions["docflow.engine"]
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT v.sha256, v.size, v.page_count FROM document_versions v JOIN documents d ON d.id = v.document_id "
            "WHERE d.kind = 'outgoing' AND d.status IN ('in_review', 'draft') ORDER BY d.id DESC, v.number DESC LIMIT 1"
        )).one()
    return blobs, documents.Blob(row.sha256, row.size, row.page_count)


def _manifest(wards: list[provision.WardInfo], facts: list[documents.DocFact]) -> dict[str, Any]:
    """Per ward: its accounts and, per department, a sample of the ordinary documents its people may open."""
    rng = random.Random(7)
    codes = {}
    for w in wards:
        codes[w.number - 1] = {dept_id: code for code, dept_id in w.departments.items()}
    sample: dict[int, dict[str, list[list[Any]]]] = {}
    for fact in facts:
        if fact.confidentiality != "normal" or rng.random() > 0.01:
            continue
        per = sample.setdefault(fact.ward, {})
        # opened by those who see every ordinary document of the ward (clerks, leaders); the others open
        # what their queues list
        per.setdefault("*", []).append([fact.id, fact.kind])
    out = []
    for i, w in enumerate(wards):
        docs = sample.get(i, {}).get("*", [])[-400:]
        out.append({"number": w.number, "code": w.code, "keyed": w.keyed, "issuing": w.issuing,
                    "users": [[w.prefix + name, role, codes[i].get(dept) if dept else None]
                              for name, (_uid, role, dept) in sorted(w.users.items())],
                    "documents": docs})
    return {"password": "TichSon@2026", "pin": "246810", "wards": out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load.generate", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--wards", type=int, default=100)
    parser.add_argument("--documents", type=int, default=2_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--key-wards", type=int, default=20, help="wards whose chairman and clerk get signing keys")
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the database even if it exists")
    args = parser.parse_args(argv)
    paths.write_config()
    os.environ["DOCFLOW_CONFIG"] = str(paths.CONFIG)
    from tests.conftest import pdf_bytes  # the PDF the load test's clerks register (bench/dataset.py's maker)
    (paths.VAR / "incoming.pdf").write_bytes(pdf_bytes("cong van den thu tai", pages=2))
    if _exists() and not args.fresh:
        log(f"{paths.DB_NAME} exists: kept (--fresh rebuilds it)")
        return 0
    timings: dict[str, float] = {}
    begun = time.perf_counter()
    _recreate()
    started = time.perf_counter()
    _docflow("init", "--organ-id", "000.00.01.H99")
    _docflow("demo")
    timings["docflow init + docflow demo (ward 1)"] = time.perf_counter() - started
    app = create_app()
    engine = app.extensions["docflow.engine"]
    with app.app_context():
        started = time.perf_counter()
        year = datetime.now(UTC).year
        wards = provision.provision(app.extensions["docflow.settings"], app.extensions["docflow.store"],
                                    count=args.wards, key_wards=args.key_wards, years=range(year - 3, year + 1),
                                    log=log)
        timings[f"{args.wards - 1} more wards (departments, {30 * args.wards:,} accounts, registers, keys "
                f"for {min(args.key_wards, args.wards)} wards)"] = time.perf_counter() - started
        log(f"wards ready in {time.perf_counter() - started:.0f} s")
        blobs, draft = _blobs(app)
        first_id = documents._next_id(engine, "documents")
        facts = documents.generate(engine, wards, blobs, draft, args.documents, first_id, timings)
        log(f"documents ready ({time.perf_counter() - begun:.0f} s so far)")
        seq = events.generate(engine, wards, facts, args.events, timings)
        log(f"audit chain at {seq:,} ({time.perf_counter() - begun:.0f} s so far)")
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        try:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
        except Exception as exc:  # noqa: BLE001 - optional: the report says when it is missing
            log(f"pg_stat_statements unavailable: {type(exc).__name__}")
    timings["VACUUM ANALYZE"] = time.perf_counter() - started
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in (
            "organisations", "users", "certificates", "documents", "document_versions", "routing_steps",
            "assignments", "audit_events")}
        counts["database size"] = conn.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))")
                                               ).scalar_one()
    (paths.VAR / "manifest.json").write_text(json.dumps(_manifest(wards, facts)), encoding="utf-8")
    timings["total"] = time.perf_counter() - begun
    (paths.VAR / "generation.json").write_text(json.dumps(
        {"args": vars(args), "timings": timings, "counts": counts,
         "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}, indent=1), encoding="utf-8")
    log(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
