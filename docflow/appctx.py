"""The application context: settings, the document store, the engine and the session of the work in hand.

The web app and the command line share it. Whoever runs the work binds it: a CLI command, a script or a
test with ``bound(context)``; the web app installs a fallback (``use_fallback``) that answers for the Flask
app context in hand, so a request's session stays on ``flask.g`` and closes at teardown. An explicit
binding wins over the fallback. Nothing here imports Flask, and SQLAlchemy only for type hints: the
offline verifiers import this module and must start fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from docflow.config import Settings
from docflow.storage import DocumentStore

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker


class NoContextError(RuntimeError):
    """Application code ran with no context bound: a programming error, never a user's."""


@dataclass(frozen=True)
class AppContext:
    """What one configuration of docflow runs on; made once per process (``docflow.bootstrap``)."""
    settings: Settings
    store: DocumentStore
    engine: Engine
    sessionmaker: sessionmaker[Session]


class Scope(Protocol):
    """One piece of work (a request, a command, a test) in a context: the context and the work's session."""

    @property
    def context(self) -> AppContext: ...

    def session(self) -> Session: ...


class LocalScope:
    """A scope of its own: the session is opened on first use and closed with the scope."""

    def __init__(self, context: AppContext) -> None:
        self._context = context
        self._session: Session | None = None

    @property
    def context(self) -> AppContext:
        return self._context

    def session(self) -> Session:
        if self._session is None:
            self._session = self._context.sessionmaker()
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


_bound: ContextVar[LocalScope | None] = ContextVar("docflow_scope", default=None)
_fallback: list[Callable[[], Scope | None]] = []


def use_fallback(provider: Callable[[], Scope | None]) -> None:
    """Answer for unbound code with ``provider`` (the web app's: the Flask app context in hand, if any)."""
    _fallback[:] = [provider]


@contextmanager
def bound(context: AppContext) -> Iterator[LocalScope]:
    """Run the block in ``context`` with a session of its own, closed at the end (the engine stays open)."""
    scope = LocalScope(context)
    token = _bound.set(scope)
    try:
        yield scope
    finally:
        _bound.reset(token)
        scope.close()


def current_or_none() -> Scope | None:
    scope = _bound.get()
    if scope is not None:
        return scope
    return _fallback[0]() if _fallback else None


def current() -> Scope:
    scope = current_or_none()
    if scope is None:
        raise NoContextError("no docflow application context: bind one with appctx.bound() or use the web app")
    return scope


def is_active() -> bool:
    return current_or_none() is not None


def settings() -> Settings:
    return current().context.settings


def store() -> DocumentStore:
    return current().context.store


def engine() -> Engine:
    return current().context.engine


def session() -> Session:
    """The session of the work in hand (one per request, command or binding)."""
    return current().session()
