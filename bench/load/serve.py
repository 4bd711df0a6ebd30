"""`docflow run` as the load bench starts it: the same app, waitress with the same threads and the same
background work, plus ONE shim while main lacks it (remove it once main signs in with several wards).

The shim: on main (66ffa6f) the sign-in POST asks ``find_organisation`` for "this ward" with nothing bound, and
a deployment of several wards answers 400 ("name one with --ward"); the wards engineer's branch signs in with
several wards (deployment-wide throttles), not merged yet. Until it is, the sign-in request here acts for the
ward of the account it names (its ``organisation_id``), which is what a signed-in request of that account does.
``LOAD_SIGNIN_SHIM=0`` turns it off.

    .venv/bin/python -m bench.load.serve --port 5001 [--threads 8]
"""

from __future__ import annotations

import argparse
import logging
import os

import waitress
from flask import g, request
from sqlalchemy import select

from docflow import create_app, db, wards
from docflow.cli import start_background_work, start_exchange_work
from docflow.models import User
from docflow.services.people.organisation import first_ward


def _bind_sign_in_ward() -> None:
    if request.endpoint != "auth.login" or "ward_token" in g:
        return
    session = db.get_session()
    username = request.form.get("username", "")[:200] if request.method == "POST" else ""
    ward_id = session.execute(select(User.organisation_id).where(User.username == username)).scalar_one_or_none()
    if ward_id is None:
        ward = first_ward(session)
        ward_id = ward.id if ward else None
    g.ward_token = wards.bind(ward_id)     # docflow.web's teardown unbinds it


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load.serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    app = create_app()
    if os.environ.get("LOAD_SIGNIN_SHIM", "1") == "1":
        app.before_request(_bind_sign_in_ward)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    start_background_work(app)
    start_exchange_work(app)
    print(f"docflow (load bench) serving on http://{args.host}:{args.port}/", flush=True)
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="docflow")


if __name__ == "__main__":
    main()
