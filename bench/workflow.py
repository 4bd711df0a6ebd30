"""`make bench-workflow`: the work-queue pages and issuing, on the bench dataset plus the workflow's rows.

    .venv/bin/python -m bench.workflow [--db sqlite|postgresql|both] [--quick] [--requests N] [--issues N]
                                       [--out bench/WORKFLOW.md] [--keep]

On top of bench/dataset.py's documents and bench/events.py's audit events it bulk-inserts (Core executemany,
like bench/dataset.py) assignments with a realistic mix of statuses, deadlines and departments, and the
routing steps of every outgoing document, then measures:

* every queue page (/queues/<name>) and the home page (/) of a clerk, a head, an official and a leader,
  in-process through the Flask test client (server time), each request followed by the bare replay of the
  very SELECTs it sent (bench/web.py's ``_run``: docflow and the bare reference interleaved request by request);
* issuing (``issuing.issue_document``: number + filling + organisation signature + distribution, in its own
  ``db.transaction()``) against the same organisation signature made with ``docflow.signing.sign.sign_pdf``
  on the same file, interleaved pair by pair (ABBA order), as ratios.

Full run: 100,000 documents, 300,000 assignments, 1,000,000 audit events. ``--quick``: 10,000 / 30,000 /
100,000. Writes bench/WORKFLOW.md (or ``--out``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import math
import os
import pstats
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine, func, insert, select, text

from bench import dataset, events, web
from bench.databases import BenchDatabase, create_database, machine_facts
from bench.report import TARGET_MS, _short_sql
from bench.timing import SqlRecorder, Stats, percentile
from docflow import PROJECT_ROOT, db
from docflow.models import (
    AuditEvent, Document, DocumentKind, DocumentStatus, DocumentVersion, Urgency, User,
)
from docflow.models.routing import Assignment, AssignmentRole, AssignmentStatus, RoutingStep, StepKind, StepStatus

TARGET_ISSUE_RATIO = 1.3
BENCH_USERS = (("clerk", "vanthu"), ("head", "truongdc"), ("official", "chuyenvien.dc"), ("leader", "chutich"))
LEADERS = (("chutich", 40), ("phochutich1", 30), ("phochutich2", 30))
HEAD_OF = {"VP": "truongvp", "ĐC": "truongdc", "TP": "truongtp", "VHXH": "truongvh", "TCKT": "truongtc"}
OFFICIAL_OF = {"VP": "chuyenvien.vp", "ĐC": "chuyenvien.dc", "TP": "chuyenvien.tp", "VHXH": "chuyenvien.vh",
               "TCKT": "chuyenvien.tc"}
FULL = {"documents": 100_000, "assignments": 300_000, "events": 1_000_000, "requests": 150, "issues": 12}
QUICK = {"documents": 10_000, "assignments": 30_000, "events": 100_000, "requests": 30, "issues": 4}


def log(message: str) -> None:
    print(message, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.workflow", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="a tenth of the data and fewer requests")
    parser.add_argument("--requests", type=int, default=None, help="timed requests per page and user")
    parser.add_argument("--issues", type=int, default=None, help="timed issue/sign pairs per database")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench" / "WORKFLOW.md")
    parser.add_argument("--keep", action="store_true", help="keep the generated databases and data directories")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    for key, value in sizes.items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    return args


# --- the workflow's rows ------------------------------------------------------------------------------

@dataclass
class Ward:
    """Who is who in the bench ward (ids), read back from the seeded demo ward."""
    users: dict[str, int]
    dept_id: dict[str, int]
    dept_code: dict[int, str]

    def leader(self, rng: random.Random) -> int:
        return self.users[rng.choices([u for u, _ in LEADERS], weights=[w for _, w in LEADERS])[0]]


@dataclass
class Workflow:
    assignments: int = 0
    steps: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    open_overdue: int = 0


def _ward(data: dataset.Dataset) -> Ward:
    return Ward({name: uid for name, (uid, _d) in data.users.items()}, dict(data.departments),
                {v: k for k, v in data.departments.items()})


def _open_probability(age_days: int) -> float:
    """How likely a document still being handled has open assignments: the recent ones mostly do, a few old
    ones were forgotten (they are the overdue backlog)."""
    return 0.85 if age_days < 30 else 0.35 if age_days < 120 else 0.02


class _AssignmentMaker:
    def __init__(self, ward: Ward, rng: random.Random, today: date) -> None:
        self.ward, self.rng, self.today = ward, rng, today
        self.next_id = 1
        self.stats = Workflow()

    def row(self, doc: Any, *, parent: dict[str, Any] | None, dept: str | None, assignee: int | None,
            role: AssignmentRole, deadline: date | None, status: AssignmentStatus, by: int,
            at: datetime) -> dict[str, Any]:
        done = status in (AssignmentStatus.COMPLETED, AssignmentStatus.FORWARDED, AssignmentStatus.CANCELLED)
        late = deadline is not None and not done and deadline < self.today
        row = {"id": self.next_id, "document_id": doc.id, "parent_id": parent["id"] if parent else None,
               "department_id": self.ward.dept_id[dept] if dept else None, "assignee_id": assignee,
               "role": role, "instruction": "Đề nghị nghiên cứu, tham mưu giải quyết theo quy định.",
               "deadline": deadline, "status": status, "assigned_by_id": by, "assigned_at": at,
               "completed_at": at + timedelta(days=self.rng.randint(1, 12)) if done else None,
               "escalated_at": datetime.combine(deadline + timedelta(days=1), datetime.min.time(), UTC)
               if deadline is not None and late and self.rng.random() < 0.5 else None,
               "result": "Đã xử lý xong." if status is AssignmentStatus.COMPLETED else "", "row_version": 1}
        self.next_id += 1
        self.stats.assignments += 1
        self.stats.by_status[status.value] += 1
        self.stats.open_overdue += late
        return row

    def pair(self, doc: Any, *, dept: str, role: AssignmentRole, leader: int, at: datetime, open_doc: bool,
             deadline: date | None) -> Iterator[dict[str, Any]]:
        """The department's assignment and, once its head named one, the handler's (a child)."""
        rng = self.rng
        handed = rng.random() < (0.75 if open_doc else 0.97)
        if not open_doc:
            statuses = (AssignmentStatus.COMPLETED, AssignmentStatus.COMPLETED)
        elif role is AssignmentRole.INFO:
            s = AssignmentStatus.COMPLETED if rng.random() < 0.5 else AssignmentStatus.OPEN
            statuses = (s, s)
        else:
            child = rng.choices((AssignmentStatus.OPEN, AssignmentStatus.IN_PROGRESS, AssignmentStatus.COMPLETED),
                                weights=(40, 45, 15))[0]
            top = (AssignmentStatus.COMPLETED if child is AssignmentStatus.COMPLETED and role is AssignmentRole.CO
                   else AssignmentStatus.IN_PROGRESS if handed else AssignmentStatus.OPEN)
            statuses = (top, child)
        parent = self.row(doc, parent=None, dept=dept, assignee=None, role=role, deadline=deadline,
                          status=statuses[0], by=leader, at=at)
        yield parent
        if not handed:
            return
        head = self.ward.users[HEAD_OF[dept]]
        handler = head if rng.random() < 0.1 else self.ward.users[OFFICIAL_OF[dept]]
        child_deadline = deadline - timedelta(days=rng.randint(0, 3)) if deadline else None
        child_at = at + timedelta(hours=rng.randint(1, 30))
        if rng.random() < 0.03 and handler != head:  # forwarded on to the head, who holds it now
            yield self.row(doc, parent=parent, dept=dept, assignee=handler, role=role, deadline=child_deadline,
                           status=AssignmentStatus.FORWARDED, by=head, at=child_at)
            handler = head
        yield self.row(doc, parent=parent, dept=dept, assignee=handler, role=role, deadline=child_deadline,
                       status=statuses[1], by=head, at=child_at)

    def document(self, doc: Any, end: datetime) -> Iterator[dict[str, Any]]:
        """The leader's direction of one incoming or internal document: a lead department, co-handling and
        for-information departments, sometimes a vice-chairman in person."""
        rng = self.rng
        age = (end - doc.created_at.replace(tzinfo=UTC)).days
        open_doc = doc.status is DocumentStatus.IN_PROGRESS and rng.random() < _open_probability(age)
        leader = self.ward.leader(rng)
        at = doc.created_at + timedelta(hours=rng.randint(2, 72))
        codes = list(HEAD_OF)
        own = self.ward.dept_code.get(doc.department_id or 0, "VP")
        lead = own if rng.random() < 0.7 else rng.choice(codes)
        others = [c for c in codes if c != lead]
        rng.shuffle(others)
        n_co = rng.choices((0, 1, 2, 3), weights=(30, 40, 20, 10))[0]
        n_info = rng.choices((0, 1), weights=(60, 40))[0]
        days = 3 if doc.urgency is not Urgency.NORMAL else rng.randint(7, 28)
        deadline = (doc.deadline or (doc.created_at.date() + timedelta(days=days))) if rng.random() < 0.85 else None
        yield from self.pair(doc, dept=lead, role=AssignmentRole.LEAD, leader=leader, at=at, open_doc=open_doc,
                             deadline=deadline)
        for code in others[:n_co]:
            yield from self.pair(doc, dept=code, role=AssignmentRole.CO, leader=leader, at=at, open_doc=open_doc,
                                 deadline=deadline)
        for code in others[n_co:n_co + n_info]:
            yield from self.pair(doc, dept=code, role=AssignmentRole.INFO, leader=leader, at=at, open_doc=open_doc,
                                 deadline=None)
        if rng.random() < 0.05:  # the chairman asks a vice-chairman to follow it in person
            vice = self.ward.users[rng.choice(("phochutich1", "phochutich2"))]
            yield self.row(doc, parent=None, dept=None, assignee=vice, role=AssignmentRole.CO, deadline=deadline,
                           status=AssignmentStatus.OPEN if open_doc else AssignmentStatus.COMPLETED,
                           by=self.ward.users["chutich"], at=at)

    def extra(self, doc: Any) -> Iterator[dict[str, Any]]:
        """A later, finished for-information share (to reach the wanted total when the documents run out)."""
        code = self.rng.choice(list(HEAD_OF))
        yield from self.pair(doc, dept=code, role=AssignmentRole.INFO, leader=self.ward.leader(self.rng),
                             at=doc.created_at + timedelta(days=2), open_doc=False, deadline=None)


def _step_rows(doc: Any, ward: Ward, rng: random.Random, next_id: Callable[[], int]) -> list[dict[str, Any]]:
    """The route of one outgoing document as its status implies: content and form reviews, the signer, the
    clerk's issue step; drafts that were returned once carry the skipped round."""
    status = doc.status
    own = ward.dept_code.get(doc.department_id or 0, "VP")
    reviewers = [ward.users[HEAD_OF[own]]] + ([ward.users["truongvp"]] if own != "VP" else [])
    signer = ward.leader(rng)
    clerk = ward.users["vanthu"]
    at = doc.created_at + timedelta(hours=rng.randint(1, 48))
    rows: list[dict[str, Any]] = []

    def step(rnd: int, kind: StepKind, who: int | None, st: StepStatus) -> None:
        decided = st in (StepStatus.APPROVED, StepStatus.DONE, StepStatus.RETURNED)
        rows.append({"id": next_id(), "document_id": doc.id, "round": rnd, "position": len([r for r in rows
                     if r["round"] == rnd]) + 1, "kind": kind, "assignee_id": who, "label": kind.value,
                     "status": st, "version_number": 1 if decided else None,
                     "decided_at": at + timedelta(hours=6 * len(rows)) if decided else None,
                     "decided_by_id": (who or clerk) if decided else None,
                     "reason": "Đề nghị chỉnh sửa thể thức." if st is StepStatus.RETURNED else "",
                     "signature_id": None, "row_version": 1})

    def returned_round(rnd: int) -> None:
        step(rnd, StepKind.REVIEW, reviewers[0], StepStatus.RETURNED)
        for who in reviewers[1:]:
            step(rnd, StepKind.REVIEW, who, StepStatus.SKIPPED)
        step(rnd, StepKind.SIGN, signer, StepStatus.SKIPPED)
        step(rnd, StepKind.ISSUE, None, StepStatus.SKIPPED)

    if status is DocumentStatus.DRAFT:
        if rng.random() < 0.4:
            returned_round(1)
        return rows
    rnd = 1
    if rng.random() < 0.1:
        returned_round(1)
        rnd = 2
    if status is DocumentStatus.IN_REVIEW:
        first_done = len(reviewers) > 1 and rng.random() < 0.5
        for i, who in enumerate(reviewers):
            step(rnd, StepKind.REVIEW, who, StepStatus.APPROVED if first_done and i == 0
                 else StepStatus.ACTIVE if i == int(first_done) else StepStatus.WAITING)
        step(rnd, StepKind.SIGN, signer, StepStatus.WAITING)
        step(rnd, StepKind.ISSUE, None, StepStatus.WAITING)
        return rows
    for who in reviewers:
        step(rnd, StepKind.REVIEW, who, StepStatus.APPROVED)
    if status is DocumentStatus.AWAITING_SIGNATURE:
        step(rnd, StepKind.SIGN, signer, StepStatus.ACTIVE)
        step(rnd, StepKind.ISSUE, None, StepStatus.WAITING)
    else:
        step(rnd, StepKind.SIGN, signer, StepStatus.DONE)
        step(rnd, StepKind.ISSUE, None, StepStatus.ACTIVE if status is DocumentStatus.SIGNED else StepStatus.DONE)
    return rows


def insert_workflow(data: dataset.Dataset, target: int) -> Workflow:
    """``target`` assignments on the incoming and internal documents, and the outgoing documents' routes."""
    started = time.perf_counter()
    ward = _ward(data)
    rng = random.Random(20260404)
    end = data.timeline.end
    today = end.date()
    cols = (Document.id, Document.kind, Document.status, Document.department_id, Document.created_at,
            Document.urgency, Document.deadline)
    with data.engine.connect() as conn:
        docs = conn.execute(select(*cols).order_by(Document.id)).all()
    directed = [d for d in docs if d.kind is not DocumentKind.OUTGOING and d.status is not DocumentStatus.REGISTERED]
    maker = _AssignmentMaker(ward, rng, today)
    batch: list[dict[str, Any]] = []

    def flush(model: type, rows: list[dict[str, Any]]) -> None:
        with data.engine.begin() as conn:
            conn.execute(insert(model), rows)
        rows.clear()

    passes = 0
    while maker.stats.assignments < target and directed:
        for doc in directed:
            for row in (maker.document(doc, end) if passes == 0 else maker.extra(doc)):
                if maker.stats.assignments > target:
                    break
                batch.append(row)
            if len(batch) >= dataset.BATCH:
                flush(Assignment, batch)
            if maker.stats.assignments >= target:
                break
        passes += 1
    # The row counter ran one past the target when the last document was cut short.
    maker.stats.assignments = min(maker.stats.assignments, target)
    if batch:
        flush(Assignment, batch)
    data.timings[f"{maker.stats.assignments:,} assignments (Core executemany)"] = time.perf_counter() - started

    started = time.perf_counter()
    counter = iter(range(1, 10**9))
    steps: list[dict[str, Any]] = []
    for doc in docs:
        if doc.kind is DocumentKind.OUTGOING:
            steps.extend(_step_rows(doc, ward, rng, lambda: next(counter)))
        if len(steps) >= dataset.BATCH:
            maker.stats.steps += len(steps)
            flush(RoutingStep, steps)
    maker.stats.steps += len(steps)
    if steps:
        flush(RoutingStep, steps)
    if data.engine.dialect.name == "postgresql":
        with data.engine.begin() as conn:
            for table in ("assignments", "routing_steps"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    data.timings[f"{maker.stats.steps:,} routing steps (Core executemany)"] = time.perf_counter() - started
    return maker.stats


# --- queue pages ----------------------------------------------------------------------------------------

@dataclass
class PageResult:
    role: str
    result: web.Result
    slowest_sql: str = ""
    slowest_ms: float = math.nan
    explain: list[str] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)


def backlog(app: Flask, usernames: list[str]) -> dict[str, dict[str, int]]:
    """Each bench user's queue counts, as the home page computes them (capped at COUNT_LIMIT + 1)."""
    from docflow.services import queues
    from docflow.web.queues import today
    out = {}
    with app.test_request_context():
        session = db.get_session()
        day = today()
        for username in usernames:
            user = session.execute(select(User).where(User.username == username)).scalar_one()
            out[username] = {str(k): v for k, v in queues.count_queues(session, actor=user, day=day).items()}
    return out


def page_scenarios(counts: dict[str, int], n: int, seed: str) -> list[web.Scenario]:
    """The home page, page 1 of every queue of the role, and a random deeper page of the largest queue."""
    from docflow.services.queues import COUNT_LIMIT, PAGE_SIZE
    rng = random.Random(seed)
    total = n + web.WARMUP
    found = [web.Scenario("home /", [{}] * total, lambda p: "/")]
    for name in counts:
        found.append(web.Scenario(f"/queues/{name}", [{"name": name}] * total, lambda p: f"/queues/{p['name']}"))
    name, count = max(counts.items(), key=lambda kv: kv[1]) if counts else ("", 0)
    pages = math.ceil(min(count, COUNT_LIMIT) / PAGE_SIZE)
    if pages > 2:
        params = [{"name": name, "page": str(rng.randint(2, pages))} for _ in range(total)]
        found.append(web.Scenario(f"/queues/{name}?page=2..{pages}", params,
                                  lambda p: f"/queues/{p['name']}?page={p['page']}"))
    return found


def _statements(client: Any, recorder: SqlRecorder, url: str) -> list[tuple[str, Any]]:
    recorder.start()
    client.get(url, buffered=True).close()
    return list(recorder.stop())


def _slowest(engine: Engine, captured: list[tuple[str, Any]]) -> tuple[str, Any, float]:
    """The read statement of a request that takes longest on its own (median of 5 bare runs)."""
    from bench.bare import is_read
    best: tuple[str, Any, float] = ("", None, 0.0)
    with engine.connect() as conn:
        for statement, params in captured:
            if not is_read(statement):
                continue
            samples = []
            for _ in range(5):
                started = time.perf_counter()
                conn.exec_driver_sql(statement, params).all()
                samples.append(time.perf_counter() - started)
            ms = statistics.median(samples) * 1000
            if ms > best[2]:
                best = (statement, params, ms)
    return best


def explain(engine: Engine, statement: str, params: Any) -> list[str]:
    """The plan of one captured statement: EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement, params).all()
    if engine.dialect.name == "postgresql":
        return [str(r[0]) for r in rows]
    return [f"{'  ' * 0}{r[-1]} (id {r[0]}, parent {r[1]})" for r in rows]


def profile_page(client: Any, url: str, repeat: int = 10, top: int = 10) -> list[str]:
    """Where a page's Python time goes: cProfile over ``repeat`` requests, the top functions by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        client.get(url, buffered=True).close()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    lines = [ln.rstrip() for ln in out.getvalue().splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
    return lines[start:start + top + 1]


def measure_pages(data: dataset.Dataset, counts: dict[str, dict[str, int]], requests: int) -> list[PageResult]:
    recorder = SqlRecorder(data.engine)
    results: list[PageResult] = []
    try:
        for role, username in BENCH_USERS:
            client = web.sign_in(data.app, username)
            for sc in page_scenarios(counts[username], requests, seed=f"{username}-{requests}"):
                started = time.perf_counter()
                result = web._run(client, data, recorder, sc, username)  # noqa: SLF001 - the shared interleaved loop
                pr = PageResult(role, result)
                url = sc.url(sc.params[-1])
                statement, params, pr.slowest_ms = _slowest(data.engine, _statements(client, recorder, url))
                pr.slowest_sql = " ".join(statement.split())
                if not result.app.p95 <= TARGET_MS or result.errors:
                    pr.explain = explain(data.engine, statement, params)
                    pr.profile = profile_page(client, url)
                results.append(pr)
                log(f"  {username:<14} {sc.name:<28} p95 {result.app.p95:7.1f} ms  bare {result.bare.p95:6.1f} ms"
                    f"  ×{result.ratio:4.1f}  sql {result.sql:>5}  slowest stmt {pr.slowest_ms:6.1f} ms"
                    f"  ({time.perf_counter() - started:.0f} s)")
    finally:
        recorder.close()
    return results


# --- issuing ----------------------------------------------------------------------------------------------

@dataclass
class IssueResult:
    issue_s: list[float] = field(default_factory=list)       # issue_document, transaction included
    sign_s: list[float] = field(default_factory=list)        # open the key + sign_pdf, same file
    sign_only_s: list[float] = field(default_factory=list)   # sign_pdf with the key already open
    fill_s: list[float] = field(default_factory=list)        # fill_fields alone (number and date), same file
    distribute_s: list[float] = field(default_factory=list)  # of issue_s: issuing.distribute (the step after)
    ratios: list[float] = field(default_factory=list)
    core_ratios: list[float] = field(default_factory=list)   # (issue − distribution) ÷ signing alone
    walk_s: float = 0.0
    numbers: list[str] = field(default_factory=list)
    breakdown: list[tuple[str, float]] = field(default_factory=list)  # ms per issue, cProfile cumulative
    top: list[str] = field(default_factory=list)  # pstats lines, by cumulative time
    profiled: int = 0
    file_bytes: int = 0

    @property
    def ratio_of_medians(self) -> float:
        return statistics.median(self.issue_s) / statistics.median(self.sign_s)

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def core_median_ratio(self) -> float:
        """Issuing as the issue defines it (number + filling + organisation signature): issue_document less
        the distribution to the recipients that follows it, ÷ signing alone, median of pairs."""
        return statistics.median(self.core_ratios)

    @property
    def without_fill(self) -> float:
        """The ratio of medians if filling the two fields cost nothing: (issue − fill_fields alone) ÷ sign."""
        return (statistics.median(self.issue_s) - statistics.median(self.fill_s)) / statistics.median(self.sign_s)


def _actor(session: Any, username: str) -> User:
    user: User = session.execute(select(User).where(User.username == username)).scalar_one()
    return user


def walk_to_signed(app: Flask, n: int) -> list[int]:
    """``n`` outgoing drafts (the drafting template, one internal and one external recipient) routed through
    content review, form review and the chairman's signature, each action in its own transaction."""
    from docflow.services import outgoing
    from docflow.services.demo import DEMO_PIN
    from docflow.services.documents import UploadedFile
    from docflow.services.outgoing import draft_template_pdf
    settings, store = app.extensions["docflow.settings"], app.extensions["docflow.store"]
    ids = []
    for i in range(n):
        summary = f"V/v triển khai công tác chuyển đổi số, đợt {i + 1}"
        pdf = draft_template_pdf(organisation_name=settings.app.organisation_name, doc_type="cong_van",
                                 summary=summary)
        with app.app_context(), db.transaction() as s:
            drafter = _actor(s, "chuyenvien.dc")
            data = outgoing.DraftInput(doc_type="cong_van", summary=summary, signer_id=_actor(s, "chutich").id,
                                       recipient_department_ids=[_dept(s, "TP")],
                                       external_recipients=["UBND thành phố Vĩnh Yên"])
            doc = outgoing.create_draft(s, actor=drafter, data=data, store=store, settings=settings,
                                        upload=UploadedFile(io.BytesIO(pdf), "du-thao.pdf"),
                                        max_bytes=settings.max_upload_bytes)
            doc_id = doc.id
        with app.app_context(), db.transaction() as s:
            steps = outgoing.start_route(s, actor=_actor(s, "chuyenvien.dc"), document_id=doc_id)
            step_ids = [(st.id, st.assignee.username if st.assignee else None) for st in steps]
        for step_id, username in step_ids[:-2]:
            with app.app_context(), db.transaction() as s:
                outgoing.approve_step(s, actor=_actor(s, username or ""), document_id=doc_id, step_id=step_id)
        sign_id, signer = step_ids[-2]
        with app.app_context(), db.transaction() as s:
            version = s.get(Document, doc_id).current_version.number  # type: ignore[union-attr]
            outgoing.sign_step(s, actor=_actor(s, signer or ""), settings=settings, store=store, document_id=doc_id,
                               step_id=sign_id, pin=DEMO_PIN, expected_version=version)
        ids.append(doc_id)
    return ids


def _dept(session: Any, code: str) -> int:
    from docflow.models import Department
    return int(session.execute(select(Department.id).where(Department.code == code)).scalar_one())


class _Reference:
    """The organisation signature alone: the clerk's organisation key opened with the PIN, the signing
    context for the configured level, ``docflow.signing.sign.sign_pdf`` on the very file issue_document gets."""

    def __init__(self, app: Flask) -> None:
        from docflow.services import keys
        from docflow.services import signatures as svc
        from docflow.signing.base import CertificateKind, SignatureKind
        self.app, self.svc, self.keys = app, svc, keys
        self.settings, self.store = app.extensions["docflow.settings"], app.extensions["docflow.store"]
        self.kind = SignatureKind.ORGANISATION
        self.level = svc.level_for(self.settings, self.kind)
        with app.app_context():
            s = db.get_session()
            self.clerk = _actor(s, "vanthu")
            self.certificate = keys.certificate_for(s, actor=self.clerk, kind=CertificateKind.ORGANISATION)
            _ = self.clerk.organisation.name
            s.expunge_all()

    def prepare(self, document_id: int) -> tuple[bytes, Any, int]:
        """(the current file, the sign request, the current version number) of a signed document."""
        from docflow.signing.sign import SignRequest
        with self.app.app_context():
            s = db.get_session()
            doc = s.get(Document, document_id)
            assert doc is not None and doc.current_version is not None
            data = self.store.read(doc.current_version.sha256)
            appearance = self.svc.appearance_for(self.clerk, self.kind, store=self.store, document=doc)
            request = SignRequest(kind=self.kind, level=self.level, appearance=appearance, field_name="organisation",
                                  reason="Issued", location=self.settings.app.organisation_name)
            return data, request, doc.current_version.number

    def fill(self, data: bytes) -> float:
        """``fill_fields`` alone with the number and date lines ``issue_document`` writes, in seconds."""
        from docflow.signing.base import DATE_FIELD, NUMBER_FIELD
        from docflow.signing.sign import fill_fields
        started = time.perf_counter()
        fill_fields(data, {NUMBER_FIELD: "Số: 99/UBND-ĐC", DATE_FIELD: "Tích Sơn, ngày 27 tháng 11 năm 2026"})
        return time.perf_counter() - started

    def sign(self, data: bytes, request: Any) -> tuple[float, float]:
        """(open key + context + sign_pdf, sign_pdf alone) in seconds."""
        from docflow.services.demo import DEMO_PIN
        from docflow.signing.sign import sign_pdf
        started = time.perf_counter()
        with self.keys.open_signing_key(self.settings, actor=self.clerk, certificate=self.certificate,
                                        pin=DEMO_PIN) as key:
            context = self.svc.signing_context(self.settings, self.level)
            inner = time.perf_counter()
            sign_pdf(data, key, request, context)
            done = time.perf_counter()
        return done - started, done - inner


def _issue(app: Flask, document_id: int, version: int) -> tuple[float, str, float]:
    """(issue_document in its own transaction, the number issued, the part of it spent in distribute) —
    distribute is timed by wrapping the module function issue_document calls, for this call only."""
    from docflow.services.outgoing import issuing
    from docflow.services.demo import DEMO_PIN
    settings, store = app.extensions["docflow.settings"], app.extensions["docflow.store"]
    spent: list[float] = []
    plain = issuing.distribute

    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return plain(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - began)

    with app.app_context():
        clerk = _actor(db.get_session(), "vanthu")
        issuing.distribute = timed
        try:
            started = time.perf_counter()
            with db.transaction() as s:
                doc = issuing.issue_document(s, actor=clerk, settings=settings, store=store,
                                             document_id=document_id, pin=DEMO_PIN, expected_version=version)
                number = doc.number_symbol or ""
            elapsed = time.perf_counter() - started
        finally:
            issuing.distribute = plain
        return elapsed, number, sum(spent)


BREAKDOWN = (  # (label, module path suffix, function name) summed as cumulative time
    ("issue_document (whole, cProfile)", "services/outgoing/issuing.py", "issue_document"),
    ("require_valid_personal_signature (verify_pdf of the personal signature)", "services/signatures/seal.py",
     "require_valid_personal_signature"),
    ("  of which verify_pdf", "signing/verify.py", "verify_pdf"),
    ("registers.take_number", "services/registers.py", "take_number"),
    ("sign_seal (organisation signature, all of it)", "services/signatures/seal.py", "sign_seal"),
    ("  of which prepare_fields (fill number and date)", "services/signatures/appearance.py", "prepare_fields"),
    ("    of which GlyphAccumulator.__init__ (fontTools reads the TTF, once per field)",
     "pdf_utils/font/opentype.py", "GlyphAccumulator.__init__"),
    ("    of which fontTools subsetting (at write)", "fontTools/subset/__init__.py", "subset"),
    ("  of which open_signing_key (PKCS#12 + PIN)", "signing/keys.py", "load_pkcs12"),
    ("  of which signing_context (dev CA, CRL, TSA)", "services/signatures/context.py", "signing_context"),
    ("  of which SigningSession.sign (pyHanko)", "signing/sign.py", "sign"),
    ("distribute (incoming copy, its number, notices)", "services/outgoing/distribution.py", "distribute"),
    ("audit.record (all events of the issue)", "services/audit/log.py", "record"),
    ("Session.flush (all)", "orm/session.py", "flush"),
)


def _breakdown(profiler: cProfile.Profile, issues: int) -> list[tuple[str, float]]:
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    out = []
    for label, path, name in BREAKDOWN:
        cls, _, name = name.rpartition(".")
        total = sum(v[3] for (file, line, fn), v in stats.items() if fn == name and file.endswith(path)
                    and (not cls or _defines(file, line, cls)))
        out.append((label, total / issues * 1000))
    return out


def _defines(file: str, line: int, cls: str) -> bool:
    """Whether the function at ``file:line`` is a method of class ``cls`` (the nearest class above it)."""
    try:
        lines = Path(file).read_text(encoding="utf-8").splitlines()[:line]
    except OSError:
        return False
    owner = next((ln for ln in reversed(lines) if ln.startswith("class ")), "")
    return owner.startswith(f"class {cls}")


def measure_issuing(app: Flask, n: int) -> IssueResult:
    from docflow.services.demo import seed_demo_keys
    with app.app_context(), db.transaction() as s:
        seed_demo_keys(s, settings=app.extensions["docflow.settings"], store=app.extensions["docflow.store"])
    result = IssueResult()
    warm, profiled = 1, 2
    started = time.perf_counter()
    ids = walk_to_signed(app, n + warm + profiled)
    result.walk_s = time.perf_counter() - started
    log(f"  {len(ids)} outgoing documents walked to SIGNED in {result.walk_s:.1f} s")
    ref = _Reference(app)
    for i, doc_id in enumerate(ids[:n + warm]):
        data, request, version = ref.prepare(doc_id)
        result.file_bytes = len(data)
        # ABBA: even pairs issue first, odd pairs sign first, so drift in machine load hits both sides.
        if i % 2 == 0:
            issue_s, number, distribute_s = _issue(app, doc_id, version)
            sign_s, only_s = ref.sign(data, request)
        else:
            sign_s, only_s = ref.sign(data, request)
            issue_s, number, distribute_s = _issue(app, doc_id, version)
        fill_s = ref.fill(data)
        if i < warm:
            continue
        result.fill_s.append(fill_s)
        result.issue_s.append(issue_s)
        result.sign_s.append(sign_s)
        result.sign_only_s.append(only_s)
        result.ratios.append(issue_s / sign_s)
        result.distribute_s.append(distribute_s)
        result.core_ratios.append((issue_s - distribute_s) / sign_s)
        result.numbers.append(number)
        log(f"  issue {number:<14} {issue_s * 1000:7.1f} ms   sign alone {sign_s * 1000:7.1f} ms "
            f"(sign_pdf {only_s * 1000:6.1f} ms)   ×{issue_s / sign_s:.2f}   fill_fields alone {fill_s * 1000:6.1f} ms"
            f"   distribution {distribute_s * 1000:5.1f} ms")
    profiler = cProfile.Profile()
    for doc_id in ids[n + warm:]:
        _data, _request, version = ref.prepare(doc_id)
        profiler.enable()
        _issue(app, doc_id, version)  # the wrapper around distribute shows in the profile; negligible
        profiler.disable()
    result.profiled = profiled
    result.breakdown = _breakdown(profiler, profiled)
    text_out = io.StringIO()
    pstats.Stats(profiler, stream=text_out).sort_stats("cumulative").print_stats(30)
    lines = [ln.rstrip() for ln in text_out.getvalue().splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
    result.top = lines[start:start + 31]
    return result


# --- one database ---------------------------------------------------------------------------------------

@dataclass
class DbReport:
    label: str
    sizes: dict[str, str]
    timings: dict[str, float]
    notes: list[str]
    workflow: Workflow
    counts: dict[str, dict[str, int]]
    pages: list[PageResult]
    issuing: IssueResult
    load: list[tuple[str, tuple[float, float, float]]]


def _sizes(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        def count(model: type) -> str:
            return f"{conn.execute(select(func.count()).select_from(model)).scalar_one():,}"
        return {"documents": count(Document), "document_versions": count(DocumentVersion),
                "assignments": count(Assignment), "routing_steps": count(RoutingStep),
                "audit_events": count(AuditEvent)}


def bench_database(kind: str, args: argparse.Namespace) -> DbReport:
    database: BenchDatabase = create_database(kind, "workflow", keep=args.keep)
    log(f"== {database.label}: {database.url}")
    load = [("start", os.getloadavg())]
    try:
        app = dataset.build_app(database)
        data = dataset.seed(app, args.documents, args.events)
        events.insert_events(data)
        wf = insert_workflow(data, args.assignments)
        notes = [dataset.finish(data)]
        log("  dataset ready: " + ", ".join(f"{k} {v:.1f} s" for k, v in data.timings.items()))
        counts = backlog(app, [u for _, u in BENCH_USERS])
        log("  backlogs: " + "; ".join(f"{u}: " + ", ".join(f"{k} {v}" for k, v in c.items())
                                       for u, c in counts.items()))
        load.append(("pages", os.getloadavg()))
        pages = measure_pages(data, counts, args.requests)
        load.append(("issuing", os.getloadavg()))
        log("  issuing against the organisation signature alone …")
        issuing = measure_issuing(app, args.issues)
        load.append(("end", os.getloadavg()))
        sizes = _sizes(data.engine)
        data.engine.dispose()
        if database.keep:
            notes.append(f"kept: {database.url} (data dir {database.data_dir})")
        return DbReport(database.label, sizes, dict(data.timings), notes, wf, counts, pages, issuing, load)
    finally:
        database.drop()


# --- the report -------------------------------------------------------------------------------------------

def _verdict(ok: bool) -> str:
    return "✅ met" if ok else "❌ missed"


def _ms_stats(seconds: list[float]) -> Stats:
    return Stats.of(seconds)


def markdown(dbs: list[DbReport], facts: dict[str, str], args: argparse.Namespace, total_s: float) -> str:
    now = datetime.now(UTC)
    cmd = "python -m bench.workflow" + (f" --db {args.db}" if args.db != "both" else "") + \
        (" --quick" if args.quick else "")
    out = [
        "# docflow workflow benchmark: queue pages and issuing", "",
        f"Generated by `make bench-workflow` (`{cmd}`) on {now:%Y-%m-%d %H:%M} UTC; the whole run took "
        f"{total_s / 60:.1f} min. Data: {args.documents:,} documents, {args.assignments:,} assignments, "
        f"{args.events:,} audit events; {args.requests} timed requests per page and user; {args.issues} timed "
        "issue/sign pairs per database.", "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()) + ".", "",
        "> Other engineers ran their test suites on the same 2 cores during this run (load averages below), so "
        "every figure is measured next to its reference *interleaved*: each page request is followed at once by "
        "the bare replay of the SELECTs it sent, and each `issue_document` is paired with a plain organisation "
        "signature of the same file in alternating order (ABBA). Absolute times carry that noise; the ratios much "
        "less.", "",
        "How to run: `make bench-workflow` (both databases, full size, ≈ 12–15 min on 2 cores), or "
        "`.venv/bin/python -m bench.workflow --db sqlite|postgresql|both [--quick] [--requests N] [--issues N] "
        "[--out FILE] [--keep]`.", "",
        "## Targets (issue 4, Performance)", "",
        "| target | " + " | ".join(d.label for d in dbs) + " |", "|---|" + "---|" * len(dbs),
    ]
    keys = list(dict.fromkeys((p.role, p.result.user, p.result.scenario) for d in dbs for p in d.pages))
    for role, user, scen in keys:
        cells = []
        for d in dbs:
            p = next((x for x in d.pages if (x.role, x.result.user, x.result.scenario) == (role, user, scen)), None)
            cells.append("—" if p is None else f"{p.result.app.p95:.1f} ms (bare {p.result.bare.p95:.1f}) "
                         f"{_verdict(p.result.app.p95 <= TARGET_MS and not p.result.errors)}")
        out.append(f"| p95 ≤ 50 ms: {role} {user}, {scen} | " + " | ".join(cells) + " |")
    cells = [f"×{d.issuing.median_ratio:.2f} (median of pairs; ratio of medians ×{d.issuing.ratio_of_medians:.2f}) "
             f"{_verdict(d.issuing.median_ratio <= TARGET_ISSUE_RATIO)}" for d in dbs]
    out.append("| issue ≤ 1.3 × organisation signature alone: `issue_document` whole, distribution included | "
               + " | ".join(cells) + " |")
    cells = [f"×{d.issuing.core_median_ratio:.2f} (median of pairs) "
             f"{_verdict(d.issuing.core_median_ratio <= TARGET_ISSUE_RATIO)}" for d in dbs]
    out.append("| issue ≤ 1.3 × organisation signature alone: number + filling + signature (the issue's "
               "definition; the distribution that follows left out) | " + " | ".join(cells) + " |")
    out += ["", "## Method", "",
            "- Dataset: `bench/dataset.py` and `bench/events.py` unchanged (the same documents, versions, grants "
            "and hash-chained audit events as `make bench`), then `bench/workflow.py` bulk-inserts with Core "
            "executemany: the leader's direction of every incoming/internal document that is past registration "
            "(a lead department, 0–3 co-handling and 0–1 for-information departments, 5 % also a vice-chairman "
            "in person; each department's assignment plus, once its head named one, the handler's child "
            "assignment, 3 % forwarded), deadlines 7–28 days after receipt (3 days for urgent documents, 15 % "
            "none, for-information none), and statuses by age: a document still being handled has open work "
            "with probability 85 % under 30 days old, 35 % under 120 days, 2 % older (the forgotten, overdue "
            "backlog, half of it escalated); finished documents have finished assignments. Every outgoing "
            "document gets the route its status implies (content review by its department's head, form review "
            "by Văn phòng's head, the signer — chairman 40 %, vice-chairmen 30 % each —, the clerk's issue "
            "step; 10 % with an earlier returned round). Then VACUUM ANALYZE / ANALYZE as `make bench` does.",
            "- Pages: signed in through `/login`, `app.test_client().get()` timed around the call (server time, "
            "no network), 5 warm-up requests then the timed ones; *bare* = the very SELECTs docflow sent for "
            "that request (recorded by a `before_cursor_execute` listener) replayed at once with "
            "`Connection.exec_driver_sql` on the same engine, all rows fetched — `bench/web.py`'s loop, reused. "
            "*slowest stmt* = the request's slowest SELECT run alone (median of 5). A missed page gets the plan of "
            "that statement and a cProfile of 10 requests below.",
            "- Issuing: drafts made from docflow's drafting template (number/date fields, a signature place) by "
            "chuyenvien.dc with one internal recipient (Tư pháp) and one external, routed with "
            "`outgoing.start_route`, approved by truongdc and truongvp, signed by chutich (`sign_step`, B-T), each "
            "action in its own `db.transaction()`. Timed: `issuing.issue_document` as the clerk inside its own "
            "`db.transaction()` (commit included) — number from the outgoing register, number and date filled "
            "into the PDF, the organisation signature (B-LT), distribution (an incoming copy numbered in the "
            "incoming register, notices) and the audit events — against *signing alone*: the clerk's "
            "organisation key opened with the PIN, `signing_context` for the same level, and "
            "`docflow.signing.sign.sign_pdf` with the same seal appearance on the very file `issue_document` got. "
            "One untimed warm-up pair, then the pairs in ABBA order; two more documents are issued under "
            "cProfile for the breakdown.", ""]
    for d in dbs:
        out += _db_section(d, args)
    return "\n".join(out).rstrip() + "\n"


def _db_section(d: DbReport, args: argparse.Namespace) -> list[str]:
    wf = d.workflow
    out = [f"## {d.label}", "", "### Dataset", "", "| table (rows at the end of the run) | rows |", "|---|---:|",
           *[f"| {k} | {v} |" for k, v in d.sizes.items()], "",
           "Assignments by status: " + ", ".join(f"{k} {v:,}" for k, v in sorted(wf.by_status.items())) +
           f"; open and past their deadline: {wf.open_overdue:,}.", "",
           "| generation step | seconds |", "|---|---:|", *[f"| {k} | {v:.1f} |" for k, v in d.timings.items()],
           "", *[f"- {n}" for n in d.notes],
           "- load average (1/5/15 min): " + "; ".join(f"{k} {a[0]:.2f}/{a[1]:.2f}/{a[2]:.2f}" for k, a in d.load),
           "", "### Backlogs of the bench users (queue counts, capped at 10,001)", "",
           "| user | " + " | ".join(sorted({q for c in d.counts.values() for q in c})) + " |"]
    queues = sorted({q for c in d.counts.values() for q in c})
    out.append("|---|" + "---:|" * len(queues))
    for user, c in d.counts.items():
        out.append(f"| {user} | " + " | ".join(f"{c[q]:,}" if q in c else "—" for q in queues) + " |")
    out += ["", "### Pages", "",
            f"Server time in ms over {args.requests} requests each (after {web.WARMUP} warm-up requests).", "",
            "| role | user | page | docflow p50 | docflow p95 | docflow max | bare p50 | bare p95 | ratio | SQL | "
            "slowest stmt alone | p95 ≤ 50 ms |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for p in d.pages:
        r = p.result
        extra = f" ({r.errors} non-200)" if r.errors else ""
        out.append(f"| {p.role} | {r.user} | `{r.scenario}` | {r.app.p50:.1f} | **{r.app.p95:.1f}** | {r.app.max:.1f} | "
                   f"{r.bare.p50:.1f} | {r.bare.p95:.1f} | ×{r.ratio:.1f} | {r.sql} | {p.slowest_ms:.1f} | "
                   f"{_verdict(r.app.p95 <= TARGET_MS and not r.errors)}{extra} |")
    worst = sorted(d.pages, key=lambda p: -p.slowest_ms)[:5]
    out += ["", "Slowest single statements (run alone; column lists elided):", ""]
    out += [f"- {p.result.user} `{p.result.scenario}`: {p.slowest_ms:.1f} ms — `{_short_sql(p.slowest_sql, 400)}`"
            for p in worst]
    misses = [p for p in d.pages if p.explain or p.profile]
    if misses:
        out += ["", "### Evidence for the missed pages", ""]
        for p in misses:
            out += [f"#### {p.result.user} `{p.result.scenario}` — p95 {p.result.app.p95:.1f} ms, bare "
                    f"{p.result.bare.p95:.1f} ms", "", f"Slowest statement ({p.slowest_ms:.1f} ms alone):", "",
                    "```sql", p.slowest_sql, "```", "", "Plan:", "", "```", *p.explain, "```", "",
                    "cProfile of 10 requests, top functions by own time:", "", "```", *p.profile, "```", ""]
    out += _issue_section(d.issuing)
    return out


def _issue_section(r: IssueResult) -> list[str]:
    issue, sign, only = _ms_stats(r.issue_s), _ms_stats(r.sign_s), _ms_stats(r.sign_only_s)
    fill, distribution = _ms_stats(r.fill_s), _ms_stats(r.distribute_s)
    ratios = sorted(r.ratios)
    out = ["", "### Issuing", "",
           f"{len(r.issue_s)} timed pairs on {r.file_bytes:,}-byte signed drafts (numbers issued: "
           f"{', '.join(r.numbers[:3])} … {r.numbers[-1] if r.numbers else ''}); walking "
           f"{len(r.issue_s) + 1 + r.profiled} drafts to SIGNED took {r.walk_s:.1f} s.", "",
           "| figure | p50 ms | p95 ms | max ms |", "|---|---:|---:|---:|",
           f"| `issue_document` in its own transaction | {issue.p50:.1f} | {issue.p95:.1f} | {issue.max:.1f} |",
           f"| signing alone: open key + `signing_context` + `sign_pdf` | {sign.p50:.1f} | {sign.p95:.1f} | "
           f"{sign.max:.1f} |",
           f"| of which `sign_pdf` only (key open) | {only.p50:.1f} | {only.p95:.1f} | {only.max:.1f} |",
           f"| not in the reference: `fill_fields` alone (number + date, same file) | {fill.p50:.1f} | "
           f"{fill.p95:.1f} | {fill.max:.1f} |",
           f"| of `issue_document`: the distribution that follows the seal (incoming copy, its number, notices) | "
           f"{distribution.p50:.1f} | {distribution.p95:.1f} | {distribution.max:.1f} |", "",
           f"Ratio issue ÷ signing alone, per pair: median **×{r.median_ratio:.2f}**, min ×{ratios[0]:.2f}, "
           f"p95 ×{percentile(ratios, 95):.2f}, max ×{ratios[-1]:.2f}; ratio of medians ×{r.ratio_of_medians:.2f}. "
           f"Target ≤ ×{TARGET_ISSUE_RATIO}: {_verdict(r.median_ratio <= TARGET_ISSUE_RATIO)}. Were filling free "
           f"((median issue − median `fill_fields` alone) ÷ median signing alone): ×{r.without_fill:.2f}. "
           f"Issuing as the issue defines it, number + filling + organisation signature (`issue_document` less "
           f"its distribution step), ÷ signing alone, median of pairs: **×{r.core_median_ratio:.2f}** "
           f"({_verdict(r.core_median_ratio <= TARGET_ISSUE_RATIO)}).", "",
           f"Where an issue's time goes (cProfile over {r.profiled} issues, cumulative ms per issue; the profiler "
           "inflates Python-heavy parts):", "", "| part | ms per issue |", "|---|---:|",
           *[f"| {label} | {ms:.1f} |" for label, ms in r.breakdown], "",
           f"cProfile of those {r.profiled} issues, top 30 by cumulative time:", "", "```", *r.top, "```", ""]
    return out


def console(dbs: list[DbReport]) -> str:
    lines = []
    for d in dbs:
        miss = [p for p in d.pages if not p.result.app.p95 <= TARGET_MS or p.result.errors]
        worst = max(d.pages, key=lambda p: p.result.app.p95)
        lines.append(f"{d.label}: {len(d.pages) - len(miss)}/{len(d.pages)} pages at p95 ≤ {TARGET_MS:.0f} ms; worst "
                     f"{worst.result.user} {worst.result.scenario} {worst.result.app.p95:.1f} ms")
        for p in miss:
            lines.append(f"  MISSED {p.result.user} {p.result.scenario}: p95 {p.result.app.p95:.1f} ms "
                         f"(bare {p.result.bare.p95:.1f} ms)")
        lines.append(f"  issue ÷ sign alone: median ×{d.issuing.median_ratio:.2f} "
                     f"({'met' if d.issuing.median_ratio <= TARGET_ISSUE_RATIO else 'MISSED'}); "
                     f"without fill_fields ×{d.issuing.without_fill:.2f}; number + filling + seal (less distribution) "
                     f"×{d.issuing.core_median_ratio:.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # pyHanko warns at every B-LT signature that the dev CA's revocation data is embedded, not fetched.
    logging.getLogger("pyhanko").setLevel(logging.ERROR)
    started = time.perf_counter()
    facts = machine_facts()
    log("docflow workflow bench — " + ", ".join(f"{k} {v}" for k, v in facts.items()))
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    results = [bench_database(kind, args) for kind in kinds]
    total = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(results, facts, args, total), encoding="utf-8")
    log("")
    log(console(results))
    log(f"wrote {args.out} ({total / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
