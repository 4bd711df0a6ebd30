"""A loop in a daemon thread of `docflow run` (the OCR worker, the daily renewal): ``round`` again and again,
``poll_seconds`` apart, until stopped; an unexpected error (a database outage) is logged and the loop goes on."""

from __future__ import annotations

import logging
import threading
from typing import Self

log = logging.getLogger(__name__)


class BackgroundLoop:
    """Subclasses give ``round`` (one pass) and a thread name."""

    def __init__(self, *, name: str, poll_seconds: float) -> None:
        self._poll_seconds = poll_seconds
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self.run_forever, name=name, daemon=True)

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self.thread.join(timeout)

    def round(self) -> object:
        raise NotImplementedError

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.round()
            except Exception:   # a database outage must not end the loop: log it and try again later
                log.exception("%s failed; it tries again in %s s", self.thread.name, self._poll_seconds)
            self._stop.wait(self._poll_seconds)
