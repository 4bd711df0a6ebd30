"""Which ward the work in hand acts for.

One deployment may serve every ward of a province (issue 16): each ward is an ``Organisation`` row, and every
query of a ward's data is scoped to one ward. The ward is bound once per piece of work and read wherever a
service needs "this ward" (``services.people.organisation.get_organisation``):

- a request: the signed-in user's ward (``docflow.web``), or the ward a public page resolves (its code);
- a command: ``docflow --ward CODE …`` (or ``DOCFLOW_WARD``); a deployment with one ward needs neither;
- a background job: the ward its record carries.

Nothing here imports Flask or SQLAlchemy: the offline verifiers import the services' modules.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

# The bound ward's id (an ``organisations.id``), or None: nothing bound.
_ward_id: ContextVar[int | None] = ContextVar("docflow_ward_id", default=None)
# A ward named by its code before its id is known (`docflow --ward CODE`): resolved by get_organisation.
_ward_code: ContextVar[str | None] = ContextVar("docflow_ward_code", default=None)


def current_ward_id() -> int | None:
    """The ward the work in hand acts for, or None when none is bound."""
    return _ward_id.get()


def requested_code() -> str | None:
    """The ward code the command line named (``--ward``), or None."""
    return _ward_code.get()


def bind(ward_id: int | None) -> Token[int | None]:
    """Act for ``ward_id`` until ``unbind(token)``: a request binds at its start and unbinds at teardown."""
    return _ward_id.set(ward_id)


def unbind(token: Token[int | None]) -> None:
    _ward_id.reset(token)


def bind_code(code: str | None) -> Token[str | None]:
    return _ward_code.set(code or None)


def reset_code(token: Token[str | None]) -> None:
    _ward_code.reset(token)


@contextmanager
def acting_for(ward_id: int | None) -> Iterator[None]:
    """The block acts for ``ward_id`` (a job, a test, a command looping over wards)."""
    token = _ward_id.set(ward_id)
    try:
        yield
    finally:
        _ward_id.reset(token)
