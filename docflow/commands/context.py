"""The application context behind a `docflow` command: bound once per invocation from the configuration,
errors turned into one clear line. No Flask: a command runs on docflow.appctx alone."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import wraps
from typing import Any

import click

from docflow import appctx
from docflow.errors import ConfigurationError, DocflowError


def bind_context() -> None:
    """Bind the application context of DOCFLOW_CONFIG until the command ends (its session closed, its
    engine disposed). Nothing to do when one is active already: a test running the command in its app."""
    if appctx.is_active():
        _bind_named_ward()
        return
    # pyHanko logs each certificate it cannot trust with a traceback, and its notes on fetching, on the
    # console; a command's reports say it in words (as `docflow verify` does). `docflow run` keeps its log.
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    # Imported here, not above: the database layer and the services load only for the commands that use
    # them; `docflow verify` and the offline verifiers import this module and must start fast.
    from docflow import bootstrap
    ctx = click.get_current_context()
    try:
        context = bootstrap.open_context(bootstrap.load_settings())
    except ConfigurationError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
    ctx.call_on_close(context.engine.dispose)
    ctx.with_resource(appctx.bound(context))
    _bind_named_ward()


def _bind_named_ward() -> None:
    """`docflow --ward CODE`: the command acts for that ward's id (docflow.wards) until it ends, so what reads
    the bound id (the ward's key folder, its CA) acts for it too. Nothing to do without --ward, or when a
    ward is bound already (a loop over the wards, a test)."""
    # Imported here, as above: the database layer and the services load only for the commands that use them.
    from docflow import db, wards
    from docflow.services.people.organisation import find_organisation
    code = wards.requested_code()
    if code is None or wards.current_ward_id() is not None:
        return
    try:
        with db.transaction() as session:
            org = find_organisation(session)
    except DocflowError as exc:
        raise click.ClickException(str(exc)) from None
    if org is not None:
        click.get_current_context().with_resource(wards.acting_for(org.id))


def with_app(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run the command in its application context; DocflowErrors become one clear line and exit 1."""
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bind_context()
        try:
            return func(*args, **kwargs)
        except DocflowError as exc:
            raise click.ClickException(str(exc)) from None
    return wrapper


@dataclass(frozen=True)
class WardRef:
    id: int
    code: str
    name: str


def each_ward(*, announce: bool = True) -> Iterator[WardRef]:
    """The wards a deployment-wide command (cron's) acts for, each bound in turn (docflow.wards): the ward
    `docflow --ward CODE` names, else every ward of the deployment. With several, each is announced."""
    # Imported here, as above: the database layer and the services load only for the commands that use them.
    from docflow import db, wards
    from docflow.services.people.organisation import find_organisation, list_wards
    with db.transaction() as session:
        if wards.current_ward_id() is not None or wards.requested_code() is not None:
            one = find_organisation(session)
            refs = [WardRef(one.id, one.code, one.name)] if one is not None else []
        else:
            refs = [WardRef(w.id, w.code, w.name) for w in list_wards(session)]
    for ref in refs:
        if announce and len(refs) > 1:
            click.echo(f"[{ref.code}] {ref.name}")
        with wards.acting_for(ref.id):
            yield ref
