"""The day's sessions of every account, made the way a sign-in makes them, without 3,000 argon2 checks.

On this shared 2-core machine one app process managed under one sign-in a second (bench/LOAD.md, "The
morning sign-in"): 3,000 sign-ins would take the better part of an hour before any measurement. Sessions last a
working day, so the measured runs are the hours after the morning; each account's session cookie is made here
as ``auth.login`` makes it after the password check (``login_user``, the sign-in time, a permanent session),
signed by the deployment's own session interface, for the address and User-Agent the locustfile sends.

    .venv/bin/python -m bench.load.sessions          (writes bench/load/var/sessions.json)
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

from flask import session
from flask_login import login_user
from sqlalchemy import select

from bench.load import paths
from docflow import create_app, db
from docflow.models import User, utc_now
from docflow.web.auth import SIGNED_IN_AT

USER_AGENT = "docflow-load-bench"   # the locustfile sends it; "strong" session protection checks it


def main() -> int:
    os.environ.setdefault("DOCFLOW_CONFIG", str(paths.CONFIG))
    app = create_app()
    manifest = json.loads(paths.MANIFEST.read_text(encoding="utf-8"))
    names = [u[0] for w in manifest["wards"] for u in w["users"]]
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = app.config.get("SESSION_COOKIE_NAME", "session")
    sessions: dict[str, dict[str, str]] = {}
    with app.test_request_context("/login", method="POST", headers={"User-Agent": USER_AGENT},
                                  environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        users = {u.username: u for u in db.get_session().execute(select(User).where(User.username.in_(names)))
                 .scalars()}
        for name in names:
            session.clear()
            login_user(users[name])
            session[SIGNED_IN_AT] = int(utc_now().timestamp())
            session.permanent = True
            session["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()   # as Flask-WTF's generate_csrf
            sessions[name] = {cookie: serializer.dumps(dict(session))}
    (paths.VAR / "sessions.json").write_text(json.dumps(sessions), encoding="utf-8")
    print(f"{len(sessions):,} sessions written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
