"""The session cookie. Flask re-signs a permanent session on every response, which makes
security.session_lifetime_minutes an idle limit. A response to a page's own background request (its PDF, the OCR
progress, the unread count: what the browser marks ``Sec-Fetch-Dest`` other than ``document``) that did not change the
session leaves the cookie alone. Such a request may have been sent before the user's last form was submitted and
answered after it: re-signing the older cookie it carried would undo what that form's response wrote (the message to
show, a new CSRF token). For the same reason a request that did not change a session still holding messages to show
never writes it back (the page that shows them changes the session, so its response writes the cookie). Polling
in the background therefore does not keep an idle session alive; the user's own page loads do."""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin


class SessionInterface(SecureCookieSessionInterface):
    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if not session.modified and ("_flashes" in session or _background_request()):
            return False
        return super().should_set_cookie(app, session)


def _background_request() -> bool:
    # Browsers send Sec-Fetch-Dest on every request; a client that sends none is taken as loading a page.
    return request.headers.get("Sec-Fetch-Dest", "document") not in ("document", "iframe", "frame")
