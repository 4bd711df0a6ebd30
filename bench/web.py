"""Server time of docflow's pages through the Flask test client, next to the bare-Core replay.

For every request the statements docflow sent are recorded, then issued again directly with
SQLAlchemy Core on the same engine (bench/bare.py) and timed, so both columns describe the same
query work for the same parameters, request by request, under the same cache state and load.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from flask import Flask
from flask.testing import FlaskClient

from bench import bare, vocab
from bench.dataset import Dataset
from bench.timing import SqlRecorder, Stats
from docflow.models import DocumentKind
from docflow.services.demo import DEMO_PASSWORD

USERS = ("vanthu", "chuyenvien.dc")
WARMUP = 5
DEEP_PAGE = 200


@dataclass(frozen=True)
class Scenario:
    name: str
    params: list[dict[str, str]]  # one per request
    url: Callable[[dict[str, str]], str]
    extra: Callable[[dict[str, str]], object] | None = None  # non-SQL work of the baseline (a blob read)


@dataclass(frozen=True)
class Result:
    user: str
    scenario: str
    app: Stats
    bare: Stats
    sql_min: int
    sql_max: int
    errors: int  # responses that were not 200

    @property
    def ratio(self) -> float:
        return self.app.p95 / self.bare.p95 if self.bare.p95 else float("nan")

    @property
    def sql(self) -> str:
        return str(self.sql_min) if self.sql_min == self.sql_max else f"{self.sql_min}–{self.sql_max}"


def sign_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in as {username} failed with HTTP {response.status_code}")
    return client


def _list_url(p: dict[str, str]) -> str:
    return "/documents/" + (f"?{urlencode(p)}" if p else "")


def scenarios(data: Dataset, ids: list[int], n: int, seed: str) -> list[Scenario]:
    """The list/filter/search/sort pages, the document page and the inline PDF, n requests each."""
    rng = random.Random(seed)
    tl = data.timeline
    depts = sorted(data.departments.values())
    types = [t for kind in DocumentKind for t, _ in vocab.DOC_TYPES[kind]]
    days = (tl.end.date() - tl.start.date()).days

    def date_window() -> dict[str, str]:
        start = tl.start.date() + timedelta(days=rng.randrange(max(1, days - 90)))
        return {"date_from": start.isoformat(), "date_to": (start + timedelta(days=90)).isoformat()}

    def kind_status() -> dict[str, str]:
        kind = rng.choice(list(DocumentKind))
        return {"kind": kind.value, "status": rng.choice(vocab.STATUSES[kind])[0].value}

    def lister(name: str, make: Callable[[], dict[str, str]]) -> Scenario:
        return Scenario(name, [make() for _ in range(n + WARMUP)], _list_url)

    blobs_dir = data.app.extensions["docflow.store"].root

    def read_blob(p: dict[str, str]) -> int:
        return bare.read_blob(blobs_dir, data.docs[int(p["id"]) - 1].blob.sha256)

    doc_params = [{"id": str(rng.choice(ids))} for _ in range(n + WARMUP)]
    return [
        lister("list, page 1", lambda: {}),
        lister(f"list, page {DEEP_PAGE}", lambda: {"page": str(DEEP_PAGE)}),
        lister("filter kind + status", kind_status),
        lister("filter department", lambda: {"department_id": str(rng.choice(depts))}),
        lister("filter date range (90 days)", date_window),
        lister("filter doc_type", lambda: {"doc_type": rng.choice(types)}),
        lister("text search q=", lambda: {"q": rng.choice(vocab.SEARCH_TERMS)}),
        lister("sort by document date asc", lambda: {"sort": "date", "order": "asc"}),
        Scenario("document page", doc_params, lambda p: f"/documents/{p['id']}"),
        Scenario("inline PDF /file", doc_params, lambda p: f"/documents/{p['id']}/file", read_blob),
    ]


def _run(client: FlaskClient, data: Dataset, recorder: SqlRecorder, sc: Scenario, username: str) -> Result:
    app_times: list[float] = []
    bare_times: list[float] = []
    counts: list[int] = []
    errors = 0
    for i, params in enumerate(sc.params):
        recorder.start()
        started = time.perf_counter()
        response = client.get(sc.url(params), buffered=True)
        elapsed = time.perf_counter() - started
        captured = list(recorder.stop())
        status = response.status_code
        response.close()
        with data.engine.connect() as conn:
            started = time.perf_counter()
            bare.replay(conn, captured)
            if sc.extra is not None:
                sc.extra(params)
            bare_elapsed = time.perf_counter() - started
        if i < WARMUP:
            continue
        app_times.append(elapsed)
        bare_times.append(bare_elapsed)
        counts.append(len(captured))
        errors += status != 200
    return Result(username, sc.name, Stats.of(app_times), Stats.of(bare_times), min(counts), max(counts), errors)


def measure(data: Dataset, requests: int, log: Callable[[str], None]) -> list[Result]:
    """Every scenario for every bench user; returns one Result per (user, scenario)."""
    recorder = SqlRecorder(data.engine)
    results: list[Result] = []
    try:
        for username in USERS:
            client = sign_in(data.app, username)
            with data.engine.connect() as conn:
                ids = bare.visible_ids(conn, bare.viewer(conn, username))
            for sc in scenarios(data, ids, requests, seed=f"{username}-{requests}"):
                started = time.perf_counter()
                result = _run(client, data, recorder, sc, username)
                results.append(result)
                log(f"  {username:<14} {sc.name:<30} p95 {result.app.p95:7.1f} ms  bare {result.bare.p95:6.1f} ms"
                    f"  ×{result.ratio:5.1f}  sql {result.sql:>5}  ({time.perf_counter() - started:.0f} s)")
    finally:
        recorder.close()
    return results


def statements_of(data: Dataset, username: str, url: str) -> list[str]:
    """The SQL one request issues (for the report's N+1 evidence)."""
    recorder = SqlRecorder(data.engine)
    try:
        client = sign_in(data.app, username)
        client.get(url, buffered=True).close()
        recorder.start()
        client.get(url, buffered=True).close()
        return [" ".join(statement.split()) for statement, _ in recorder.stop()]
    finally:
        recorder.close()
