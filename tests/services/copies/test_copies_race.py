"""Two clerks making copies at the same moment, in real concurrent transactions on PostgreSQL: the second
waits for the first's number and takes the next one of the year's one copy series (R15); neither fails."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from docflow.models import CopyForm, User
from docflow.services import copies
from docflow.services.demo import DEMO_PIN
from docflow.services.documents import UploadedFile
from tests.conftest import is_postgres
from tests.racing import label
from tests.services.copies.helpers import scan_pdf
from tests.services.outgoing.test_issuing_race import ward  # noqa: F401 - the committed demo ward, two clerks

pytestmark = pytest.mark.skipif(not is_postgres(), reason="real concurrent transactions need PostgreSQL")
SCAN = scan_pdf()


def _copy(s: Session, ward: dict[str, Any], username: str, form: CopyForm) -> int:
    actor = s.execute(select(User).where(User.username == username)).scalar_one()
    return copies.copy_paper_original(
        s, actor=actor, settings=ward["settings"], store=ward["store"],
        upload=UploadedFile(io.BytesIO(SCAN), "scan.pdf"), original_reference="05/TB-UBND ngày 01/12/2026",
        request=copies.CopyRequest(form, "1" if form is CopyForm.TRICH_SAO else ""), pin=DEMO_PIN,
        max_bytes=10 ** 8).number


def _someone_waits_for_a_lock(engine: Any, seconds: float = 90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with engine.connect() as c:
            if c.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")).scalar():
                return True
        time.sleep(0.2)
    return False


def test_r15_a_second_clerk_copying_meanwhile_waits_and_takes_the_next_number(ward):
    engine, outcome = ward["engine"], {}

    def second() -> None:
        with Session(engine) as s:
            try:
                with s.begin():
                    outcome["second"] = _copy(s, ward, "vanthu2", CopyForm.TRICH_SAO)
            except Exception as exc:  # noqa: BLE001 - the test judges the outcome
                outcome["second"] = exc

    with Session(engine) as s, s.begin():
        first = _copy(s, ward, "vanthu", CopyForm.SAO_Y)   # numbered, not committed yet
        thread = threading.Thread(target=second)
        thread.start()
        assert _someone_waits_for_a_lock(engine), "the second copy never waited for the first"
    thread.join(90)

    assert outcome.get("second") == first + 1, label(outcome.get("second"))
