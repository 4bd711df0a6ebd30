"""The process's log lines: text (the embedded default) or one JSON object a line (``[app] log_format = "json"``),
each with the request it belongs to (its id, method, path, signed-in user, ward).

The web binds a request's fields (``bind_request``) at its start and drops them at its end; the formatter reads
them and the bound ward (``docflow.wards``) when a line is written. Nothing here knows Flask. Only what the
web hands over is written: never a header, a cookie, a form field or a query string (PINs, passwords, tokens).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

from docflow import wards

REQUEST_ID_HEADER = "X-Request-Id"
# What an incoming X-Request-Id may be (nginx's $request_id is 32 hex digits); anything else is replaced.
_WELL_FORMED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,63}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s"
# The fields a line may carry beyond time, level, logger and message, in their order.
FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id", "ward_id")

_request: ContextVar[dict[str, Any] | None] = ContextVar("docflow_log_request", default=None)


def request_id_from(header: str | None) -> str:
    """The proxy's request id when it is well-formed, else a new one."""
    if header and _WELL_FORMED.match(header):
        return header
    return uuid.uuid4().hex


def printable(text: str) -> str:
    """``text`` with control characters escaped: a path holding a line break cannot forge a text log line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def bind_request(**fields: Any) -> Token[dict[str, Any] | None]:
    """Every line written until ``unbind_request(token)`` carries ``fields`` (request_id, method, path, ...)."""
    return _request.set(dict(fields))


def update_request(**fields: Any) -> None:
    """Add to the bound request's fields (the user, once known)."""
    bound = _request.get()
    if bound is not None:
        bound.update(fields)


def unbind_request(token: Token[dict[str, Any] | None]) -> None:
    _request.reset(token)


def current_request_id() -> str | None:
    bound = _request.get()
    return None if bound is None else bound.get("request_id")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, then the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = dict(_request.get() or {})
        fields.update(getattr(record, "request", None) or {})
        ward_id = wards.current_ward_id()
        if ward_id is not None:
            fields.setdefault("ward_id", ward_id)
        line.update({key: fields[key] for key in FIELDS if fields.get(key) is not None})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _TextRequestId(logging.Filter):
    """Text lines name their request: ``... docflow.web [<request id>]: message``."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id()
        record.request_tag = f" [{request_id}]" if request_id else ""
        return True


def configure(log_format: str, *, level: int = logging.INFO) -> None:
    """Send the root logger's lines to stderr in ``log_format`` ("text" or "json"), replacing its handlers."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
        handler.addFilter(_TextRequestId())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
