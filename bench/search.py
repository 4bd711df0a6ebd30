"""`make bench-search`: full-text search at scale, docflow's search against the bare SQL doing the same match.

    .venv/bin/python -m bench.search [--db sqlite|postgresql|both] [--documents N] [--pages N] [--quick]
                                     [--samples N] [--out bench/SEARCH.md] [--keep]

On bench/dataset.py's documents (the demo ward, bulk inserts) it loads ``--pages`` pages of Vietnamese
administrative text per document into page_texts (bench/searchdata.py; SQLite: executemany; PostgreSQL:
COPY) and an opinion on three documents in ten, then fills every document's search text in one INSERT …
SELECT as migration 0025 does (PostgreSQL: the GIN index made afterwards), then times a mix of queries (a
common word, a rare name, accent-less words, a quoted phrase, words with filters, and an official's search
under visibility limits) through ``services.search.search_documents`` (ranked page of 20, best page and
snippet of each hit), each run followed at once by the bare SQL doing the same match on the document-level
index (newest 20, no visibility, no ranking, no snippet). On SQLite it also compares the unicode61 and
trigram tokenizers over the same 50,000 pages.

Full run: 100,000 documents × 10 pages. ``--quick``: 10,000 × 10. Writes bench/SEARCH.md (or ``--out``).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, text

from bench import dataset
from bench.databases import BenchDatabase, create_database, machine_facts
from bench.searchdata import RARE, Pages
from bench.timing import Stats
from docflow import PROJECT_ROOT
from docflow.models import DocumentKind, Opinion, User
from docflow.services.documents import DocumentFilters
from docflow.services.search import parse_query, search_documents

TARGET_MS = 100.0
BATCH = 5_000
ALL_INDEX = "CREATE INDEX search_fts_all ON search_texts USING gin (search_fts_words)"   # as 0025


@dataclass(frozen=True)
class Scenario:
    name: str
    user: str
    filters: DocumentFilters


@dataclass(frozen=True)
class Row:
    database: str
    scenario: Scenario
    hits: str
    app: Stats
    bare: Stats

    @property
    def ratio(self) -> float:
        return self.app.p95 / self.bare.p95 if self.bare.p95 else float("nan")


def scenarios() -> list[Scenario]:
    year = datetime.now(UTC).year
    return [
        Scenario("common word", "chutich", DocumentFilters(q="đất")),
        Scenario("two common words", "chutich", DocumentFilters(q="kiểm tra thực địa")),
        Scenario("rare name", "chutich", DocumentFilters(q=RARE)),
        Scenario("accent-less words", "chutich", DocumentFilters(q="phong chay chua chay")),
        Scenario("quoted phrase", "chutich", DocumentFilters(q='"giải phóng mặt bằng"')),
        Scenario("words + filters (outgoing, this year)", "chutich",
                 DocumentFilters(q="ngân sách", kind=DocumentKind.OUTGOING, date_from=date(year, 1, 1))),
        Scenario("official, visibility limits", "chuyenvien.dc", DocumentFilters(q="hộ tịch")),
        Scenario("official, quoted phrase", "chuyenvien.dc", DocumentFilters(q='"kiểm tra thực địa"')),
    ]


def log(message: str) -> None:
    print(message, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--documents", type=int, default=None, help="documents (default 100,000; --quick 10,000)")
    parser.add_argument("--pages", type=int, default=10, help="pages of text per document")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--samples", type=int, default=40, help="timed runs per query")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench" / "SEARCH.md")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    args.documents = args.documents or (10_000 if args.quick else 100_000)
    return args


# --- loading ---------------------------------------------------------------------------------------------

def _page_rows(data: dataset.Dataset, pages: Pages, per_document: int) -> Any:
    now = datetime.now(UTC)
    row_id = 1
    for doc in data.docs:
        for page_no in range(1, per_document + 1):
            body, folded = pages.page()
            yield {"id": row_id, "organisation_id": data.org_id, "document_id": doc.id, "version_id": doc.id,
                   "page_no": page_no, "source": "layer", "body": body, "folded": folded, "created_at": now}
            row_id += 1


def load_pages(data: dataset.Dataset, per_document: int, rng: random.Random) -> int:
    """Insert every document's pages and an opinion on three documents in ten, then each document's search
    text in one statement; returns the page count."""
    pages = Pages(rng)
    postgres = data.engine.dialect.name == "postgresql"
    count = _copy_pages(data, pages, per_document) if postgres else _insert_pages(data, pages, per_document)
    opinions = [{"document_id": doc.id, "author_id": doc.created_by_id, "kind": "opinion",
                 "body": o[0], "folded": o[1], "created_at": datetime.now(UTC)}
                for doc in data.docs if rng.random() < 0.3 for o in [pages.opinion()]]
    with data.engine.begin() as conn:
        for i in range(0, len(opinions), BATCH):
            conn.execute(insert(Opinion), opinions[i:i + BATCH])
    fill_search_texts(data.engine)
    return count


def fill_search_texts(engine: Engine) -> None:
    """Every document's search_texts row in one INSERT … SELECT, as migration 0025 fills it (PostgreSQL: the
    GIN index made again afterwards; SQLite: FTS5 fed by its insert trigger in the same transaction)."""
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM search_texts"))
        if postgres:
            conn.execute(text("DROP INDEX search_fts_all"))
        conn.execute(text(_migration().FILL[engine.dialect.name]))
        if postgres:
            conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
            conn.execute(text(ALL_INDEX))


def _migration() -> Any:
    path = next((PROJECT_ROOT / "migrations" / "versions").glob("*_search_documents.py"))
    spec = importlib.util.spec_from_file_location("search_documents_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _insert_pages(data: dataset.Dataset, pages: Pages, per_document: int) -> int:
    batch: list[dict[str, Any]] = []
    count = 0
    statement = text("INSERT INTO page_texts (id, organisation_id, document_id, version_id, page_no, source, body, "
                     "folded, created_at) VALUES (:id, :organisation_id, :document_id, :version_id, :page_no, "
                     ":source, :body, :folded, :created_at)")
    for row in _page_rows(data, pages, per_document):
        row["created_at"] = row["created_at"].replace(tzinfo=None).isoformat(" ")
        batch.append(row)
        if len(batch) >= BATCH:
            with data.engine.begin() as conn:
                conn.execute(statement, batch)
            count += len(batch)
            batch.clear()
    if batch:
        with data.engine.begin() as conn:
            conn.execute(statement, batch)
        count += len(batch)
    return count


def _copy_pages(data: dataset.Dataset, pages: Pages, per_document: int) -> int:
    columns = ("id", "organisation_id", "document_id", "version_id", "page_no", "source", "body", "folded",
               "created_at")
    raw = data.engine.raw_connection()
    count = 0
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY page_texts ({', '.join(columns)}) FROM STDIN") as copy:
            for row in _page_rows(data, pages, per_document):
                copy.write_row([row[c] for c in columns])
                count += 1
        raw.commit()
    finally:
        raw.close()
    return count


# --- timing ----------------------------------------------------------------------------------------------

def bare_sql(engine: Engine, filters: DocumentFilters) -> tuple[str, dict[str, Any]]:
    """The same match on the document-level index alone, newest 20 documents (a quoted phrase's accents
    checked on the pages by instr/strpos): no metadata ranking, visibility, filters' joins or snippet."""
    sqlite = engine.dialect.name == "sqlite"
    terms = parse_query(filters.q).terms
    params: dict[str, Any] = {}
    if sqlite:
        params["q"] = " ".join('"' + " ".join(t.words) + '"' for t in terms)
        key, source = "s.rowid", "search_fts_all s"
        where = ["search_fts_all MATCH :q"]
    else:
        params["q"] = " & ".join("(" + " <-> ".join(f"'{w}'" for w in t.words) + ")" for t in terms)
        key, source = "s.document_id", "search_texts s"
        where = ["s.search_fts_words @@ to_tsquery('simple', :q)"]
    for n, term in enumerate(terms):
        if term.exact:
            where.append(f"EXISTS (SELECT 1 FROM page_texts p WHERE p.document_id = {key} AND "
                         f"{'instr' if sqlite else 'strpos'}(p.body, :e{n}) > 0)")
            params[f"e{n}"] = term.exact
    if filters.kind is not None or filters.date_from is not None:
        source += f" JOIN documents d ON d.id = {key}"
    if filters.kind is not None:
        where.append("d.kind = :kind")
        params["kind"] = filters.kind.value
    if filters.date_from is not None:
        where.append("d.document_date >= :date_from")
        params["date_from"] = filters.date_from
    return f"SELECT {key} FROM {source} WHERE {' AND '.join(where)} ORDER BY {key} DESC LIMIT 20", params


def time_scenario(data: dataset.Dataset, scenario: Scenario, samples: int) -> tuple[Stats, Stats, str]:
    make_session = data.app.extensions["docflow.sessionmaker"]
    sql, params = bare_sql(data.engine, scenario.filters)
    app_times, bare_times, hits = [], [], ""
    with data.app.app_context():
        for n in range(samples + 3):                  # three warm-up runs
            with make_session() as session:
                actor = session.execute(select(User).where(User.username == scenario.user)).scalar_one()
                started = time.perf_counter()
                results = search_documents(session, actor=actor, filters=scenario.filters, page=1, page_size=20)
                elapsed = time.perf_counter() - started
            hits = f"{results.total:,}{'+' if results.more else ''}"
            started = time.perf_counter()
            with data.engine.connect() as conn:
                conn.execute(text(sql), params).all()
            bare = time.perf_counter() - started
            if n >= 3:
                app_times.append(elapsed)
                bare_times.append(bare)
    return Stats.of(app_times), Stats.of(bare_times), hits


# --- SQLite: unicode61 or trigram ------------------------------------------------------------------------

def compare_tokenizers(engine: Engine, pages: int = 50_000, samples: int = 20) -> list[str]:
    """Build both tokenizers over the same pages' folded text; their size, build time and query times."""
    lines = ["| tokenizer | build | index size | `dat` (common word) p50 | `\"kiem tra thuc dia\"` p50 |",
             "|---|---|---|---|---|"]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for name, tokenizer in (("cmp_unicode61", "unicode61"), ("cmp_trigram", "trigram")):
            started = time.perf_counter()
            cursor.execute(f"CREATE VIRTUAL TABLE {name} USING fts5(folded, tokenize='{tokenizer}')")
            cursor.execute(f"INSERT INTO {name}(rowid, folded) SELECT id, folded FROM page_texts WHERE id <= ?",
                           (pages,))
            raw.commit()
            build = time.perf_counter() - started
            size = cursor.execute(f"SELECT sum(length(block)) FROM {name}_data").fetchone()[0] or 0
            times = [_timed(cursor, name, q, samples) for q in ('"dat"', '"kiem tra thuc dia"')]
            lines.append(f"| {tokenizer} | {build:.1f} s | {size / 2**20:.0f} MB | {times[0]:.1f} ms | "
                         f"{times[1]:.1f} ms |")
            cursor.execute(f"DROP TABLE {name}")
            raw.commit()
    finally:
        raw.close()
    return lines


def _timed(cursor: Any, name: str, query: str, samples: int) -> float:
    runs = []
    for _ in range(samples):
        started = time.perf_counter()
        cursor.execute(f"SELECT count(*) FROM {name} WHERE {name} MATCH ?", (query,)).fetchone()
        runs.append(time.perf_counter() - started)
    return sorted(runs)[len(runs) // 2] * 1000


# --- one database, the report ----------------------------------------------------------------------------

def run_database(kind: str, args: argparse.Namespace, timings: dict[str, float]) -> tuple[list[Row], list[str]]:
    database: BenchDatabase = create_database(kind, "search", keep=args.keep)
    try:
        app = dataset.build_app(database)
        started = time.perf_counter()
        data = dataset.seed(app, args.documents, args.documents)
        timings[f"{database.label}: {args.documents:,} documents"] = time.perf_counter() - started
        started = time.perf_counter()
        count = load_pages(data, args.pages, random.Random(13))
        timings[f"{database.label}: {count:,} pages (+ index) and opinions"] = time.perf_counter() - started
        dataset.finish(data)
        rows = []
        for scenario in scenarios():
            app_stats, bare_stats, hits = time_scenario(data, scenario, args.samples)
            rows.append(Row(database.label, scenario, hits, app_stats, bare_stats))
            log(f"{database.label} {scenario.name}: {hits} hits, p95 {app_stats.p95:.1f} ms "
                f"(bare {bare_stats.p95:.1f} ms)")
        extra = compare_tokenizers(data.engine) if kind == "sqlite" else []
        data.engine.dispose()
        return rows, extra
    finally:
        database.drop()


def report(args: argparse.Namespace, rows: list[Row], tokenizers: list[str], timings: dict[str, float],
           took: float) -> str:
    facts = machine_facts()
    out = io.StringIO()
    out.write("# docflow search benchmark\n\n")
    out.write(f"Generated by `make bench-search` (`python -m bench.search --documents {args.documents} --pages "
              f"{args.pages} --samples {args.samples}`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; the run took "
              f"{took / 60:.1f} min. Data: {args.documents:,} documents × {args.pages} pages of Vietnamese "
              "administrative text (bench/searchdata.py), an opinion on 3 documents in 10.\n\n")
    out.write("Machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()) + ".\n\n")
    out.write("Each timed search (`services.search.search_documents`: the ranked page of 20 and whether there "
              "are more, each hit's best page and snippet) is followed at once by the bare SQL doing the same match "
              "on the document-level index (newest 20; a quoted phrase's accents checked on the pages; no metadata "
              "ranking, visibility or snippet). Snippets are worked out afresh in every run (nothing is kept "
              "between searches).\n\n")
    out.write(f"| database | query | user | hits | docflow p50 / p95 | bare p50 / p95 | ratio (p95) | "
              f"p95 ≤ {TARGET_MS:.0f} ms |\n|---|---|---|---|---|---|---|---|\n")
    for r in rows:
        met = "✅ met" if r.app.p95 <= TARGET_MS else "❌ not met"
        out.write(f"| {r.database} | {r.scenario.name} `{r.scenario.filters.q}` | {r.scenario.user} | {r.hits} | "
                  f"{r.app.p50:.1f} / {r.app.p95:.1f} ms | {r.bare.p50:.1f} / {r.bare.p95:.1f} ms | "
                  f"{r.ratio:.1f}× | {met} |\n")
    if tokenizers:
        out.write("\n## SQLite tokenizer, measured (the first 50,000 pages)\n\n" + "\n".join(tokenizers) + "\n")
    out.write("\n## Load times\n\n" + "\n".join(f"- {k}: {v:.0f} s" for k, v in timings.items()) + "\n")
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    rows: list[Row] = []
    tokenizers: list[str] = []
    timings: dict[str, float] = {}
    for kind in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        found, extra = run_database(kind, args, timings)
        rows += found
        tokenizers += extra
    args.out.write_text(report(args, rows, tokenizers, timings, time.perf_counter() - started))
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
