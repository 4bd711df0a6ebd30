"""The province at work: every simulated user is one account of one ward, signs in once, then acts about
every 30 s (``between(20, 40)``) with its role's mix of actions. Requests are named by action, so Locust's
statistics (and bench/load/report.py) come per action:

  sign-in · home · queue · document page · search · register form · register incoming · approve · sign · issue

Reads the accounts and documents from bench/load/var/manifest.json (bench/load/generate.py). CSRF tokens,
row versions and version numbers are read from the forms the pages serve, as a browser would. An action
whose POST comes back to a page with a red (alert-danger) message counts as a failure. Every request is also
appended to ``LOAD_REQUESTS_CSV`` (time, name, ms, ok) so the report can cut the run into load steps.

Load shape: ``LOAD_STEPS`` ("300,1000,2000,3000") users held ``LOAD_STEP_SECONDS`` each, spawned at
``LOAD_SPAWN_RATE`` users/s; a user with a kept session (``LOAD_MODE=signin`` made it) starts within 30 s.
Run headless by bench/load/run.sh.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import random
import re
import threading
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, LoadTestShape, between, events, task

MANIFEST = json.loads(Path(os.environ.get("LOAD_MANIFEST", Path(__file__).parent / "var" / "manifest.json"))
                      .read_text(encoding="utf-8"))
STEPS = [int(s) for s in os.environ.get("LOAD_STEPS", "300,1000,2000,3000").split(",")]
STEP_SECONDS = int(os.environ.get("LOAD_STEP_SECONDS", "75"))
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE", "50"))
PDF = (Path(__file__).parent / "var" / "incoming.pdf").read_bytes()
SEARCH_TERMS = ("đất đai", "hộ tịch", "ngân sách", "VNeID", "QĐ-UBND", "phòng cháy", "khiếu nại", "xây dựng")
# Sessions last a working day (security.session_lifetime_minutes): the measured runs reuse the day's sessions
# (bench/load/sessions.py), as people who signed in at 7:30 do at 10:00; sign-in itself is measured apart
# (LOAD_MODE=signin: a sample of accounts signs in, argon2 each).
SESSIONS_PATH = Path(os.environ.get("LOAD_SESSIONS", Path(__file__).parent / "var" / "sessions.json"))
SESSIONS: dict[str, dict[str, str]] = (json.loads(SESSIONS_PATH.read_text(encoding="utf-8"))
                                       if SESSIONS_PATH.exists() else {})
SIGN_IN_ONLY = os.environ.get("LOAD_MODE") == "signin"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DOC_LINK = re.compile(r'href="/(incoming|outgoing|documents)/(\d+)"')

# Accounts in an order that spreads every load step over all wards and roles: each ward's accounts shuffled
# (fixed seed), then the first of every ward, the second of every ward, …
_SHUFFLED = [random.Random(ward["code"]).sample(ward["users"], len(ward["users"])) for ward in MANIFEST["wards"]]
_ACCOUNTS = [(ward, users[i]) for i in range(30) for ward, users in zip(MANIFEST["wards"], _SHUFFLED)
             if i < len(users)]
_next_account = itertools.count()
_lock = threading.Lock()
_log_path = os.environ.get("LOAD_REQUESTS_CSV")
_log = open(_log_path, "a", newline="", encoding="utf-8") if _log_path else None  # noqa: SIM115 - closed at exit
_writer = csv.writer(_log) if _log else None


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, response_length: int, exception: Any = None,
            **_kw: Any) -> None:
    if _writer is not None:
        with _lock:
            _writer.writerow((f"{time.time():.3f}", name, f"{response_time:.1f}", 0 if exception else 1))


@events.quitting.add_listener
def _close(**_kw: Any) -> None:
    if _log is not None:
        _log.close()


def _form(html: str, action_part: str) -> dict[str, str] | None:
    """The hidden inputs of the first form whose action contains ``action_part`` (with its action as "_action")."""
    start = html.find(f'action="{action_part}') if action_part.startswith("/") else -1
    if start < 0:
        match = re.search(r'<form method="post" action="([^"]*' + re.escape(action_part) + r')"', html)
        if not match:
            return None
        start = match.start(1) - len('action="')
    end = html.find("</form>", start)
    chunk = html[start:end]
    action = re.match(r'action="([^"]+)"', chunk)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', chunk))
    fields["_action"] = action.group(1) if action else ""
    return fields


class WardUser(HttpUser):
    wait_time = between(20, 40)

    def on_start(self) -> None:
        ward, (username, role, dept) = _ACCOUNTS[next(_next_account) % len(_ACCOUNTS)]
        self.ward, self.username, self.role, self.dept = ward, username, role, dept
        self.rng = random.Random(username)
        self.client.headers["User-Agent"] = "docflow-load-bench"   # bench/load/sessions.py signs for it
        if not SIGN_IN_ONLY and username in SESSIONS:
            for name, value in SESSIONS[username].items():
                # host-only on 127.0.0.1, as the server's own Set-Cookie: a refreshed session replaces it
                self.client.cookies.set(name, value, domain="127.0.0.1", path="/")
            time.sleep(self.rng.uniform(0, 30))   # people do not all click at the moment they arrive
            return
        with self.client.get("/login", name="sign-in form", catch_response=True) as page:
            token = CSRF.search(page.text)
            if token:
                page.success()
        for attempt in range(6):
            with self.client.post("/login", name="sign-in", catch_response=True, data={
                    "csrf_token": token.group(1) if token else "", "username": username,
                    "password": MANIFEST["password"]}) as response:
                if response.status_code == 200 and "/login" not in response.url:
                    return
                busy = response.status_code in (429, 503) or "Retry-After" in response.headers
                response.failure(f"sign-in {'busy' if busy else 'refused'} ({response.status_code})")
            if not busy:
                return
            time.sleep(float(response.headers.get("Retry-After", 5)) + attempt)   # the user tries again

    # --- what each role does ------------------------------------------------------------------------------

    @task
    def act(self) -> None:
        if SIGN_IN_ONLY:
            return
        choices = {
            "clerk": ((self.queue_home, 3), (self.document_page, 3), (self.search, 2), (self.register, 3),
                      (self.issue, 2 if self.ward["issuing"] else 0), (self.queue_issue, 1)),
            "leader": ((self.queue_home, 3), (self.document_page, 3), (self.search, 1),
                       (self.sign, 3 if self.ward["keyed"] and self.username.endswith("chutich") else 0),
                       (self.queue_direct, 2)),
            "head": ((self.queue_handle, 3), (self.queue_review, 2), (self.approve, 1), (self.from_queue, 3),
                     (self.search, 1)),
            "official": ((self.queue_handle, 4), (self.from_queue, 3), (self.search, 2), (self.queue_home, 1)),
        }.get(self.role, ((self.queue_home, 1), (self.search, 1)))
        action = self.rng.choices([f for f, _ in choices], weights=[w for _, w in choices])[0]
        action()

    # --- actions ------------------------------------------------------------------------------------------

    def _get(self, url: str, name: str, **kwargs: Any) -> str:
        """GET a page; a failure unless it answers 200 as the signed-in user (not the sign-in page)."""
        with self.client.get(url, name=name, catch_response=True, **kwargs) as response:
            if response.status_code != 200 or "/login" in response.url:
                response.failure(f"{name}: {response.status_code} {response.url.split('?')[0][-40:]}")
            return response.text

    def queue_home(self) -> None:
        self._get("/", "home")

    def _queue(self, name: str) -> str:
        return self._get(f"/queues/{name}", "queue")

    def queue_handle(self) -> None:
        self._queue("handle")

    def queue_review(self) -> None:
        self._queue("review")

    def queue_direct(self) -> None:
        self._queue("direct")

    def queue_issue(self) -> None:
        self._queue("issue")

    def document_page(self) -> None:
        docs = self.ward["documents"]
        if not docs:
            return self.queue_home()
        doc_id, kind = self.rng.choice(docs)
        prefix = {"incoming": "incoming", "outgoing": "outgoing"}.get(kind, "documents")
        self._get(f"/{prefix}/{doc_id}", "document page")

    def from_queue(self) -> None:
        """Open the first thing the handle queue lists (what an official does all day)."""
        html = self._queue("handle")
        links = DOC_LINK.findall(html)
        if links:
            kind, doc_id = self.rng.choice(links[:10])
            self._get(f"/{kind}/{doc_id}", "document page")

    def search(self) -> None:
        self._get("/search/", "search", params={"q": self.rng.choice(SEARCH_TERMS)})

    def register(self) -> None:
        token = CSRF.search(self._get("/incoming/new", "register form"))
        n = random.SystemRandom().randrange(10**12)   # never a number an earlier run registered (a duplicate: 409)
        data = {"csrf_token": token.group(1) if token else "", "doc_type": "cong_van",
                "summary": f"Về việc kiểm tra tải hệ thống số {n}", "number_symbol": f"{n % 9000 + 1}/UBND-TT{n}",
                "document_date": time.strftime("%Y-%m-%d"), "issuing_body": "UBND tỉnh Thử Tải",
                "urgency": "normal", "confidentiality": "normal", "receipt_note": ""}
        with self.client.post("/incoming/new", name="register incoming", data=data, catch_response=True,
                              files={"file": ("cong-van.pdf", io.BytesIO(PDF), "application/pdf")}) as response:
            if response.status_code != 200 or "/incoming/new" in response.url:
                response.failure(f"registration refused ({response.status_code})")

    def _act_on(self, queue: str, form_part: str, name: str, pin: bool) -> None:
        """Open the first document of ``queue`` and post its ``form_part`` form (approve, sign, issue)."""
        links = [link for link in DOC_LINK.findall(self._queue(queue)) if link[0] == "outgoing"]
        if not links:
            return
        _kind, doc_id = self.rng.choice(links[:5])
        page = self._get(f"/outgoing/{doc_id}", "document page")
        fields = _form(page, form_part)
        if fields is None:
            return   # someone else got there first, or nothing to do on this one
        action = fields.pop("_action")
        if pin:
            fields["pin"] = MANIFEST["pin"]
        with self.client.post(action, name=name, data=fields, catch_response=True) as response:
            if response.status_code != 200 or "alert alert-danger" in response.text:
                message = re.search(r'alert alert-danger"[^>]*>([^<]+)', response.text)
                response.failure(f"{name}: {message.group(1).strip() if message else response.status_code}")

    def approve(self) -> None:
        self._act_on("review", "/approve", "approve", pin=False)

    def sign(self) -> None:
        self._act_on("sign", "/sign", "sign", pin=True)

    def issue(self) -> None:
        self._act_on("issue", "/issue", "issue", pin=True)


class Steps(LoadTestShape):
    """``LOAD_STEPS`` users, each step held ``LOAD_STEP_SECONDS`` (spawning counts in the step)."""

    def tick(self) -> tuple[int, float] | None:
        step = int(self.get_run_time() // STEP_SECONDS)
        if step >= len(STEPS):
            return None
        return STEPS[step], SPAWN_RATE
