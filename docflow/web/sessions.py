"""The session cookie. Flask re-signs a permanent session on every response, which makes
security.session_lifetime_minutes an idle limit. One exception: a request that did not change a session still holding
messages to show (flashes) leaves the cookie alone. Such a request is a page's own background request (its PDF, the OCR
progress) that was sent while the next page was loading, with the cookie carrying the messages that page is about to
show; re-signing it would put them back after that page had shown them. The page that shows them changes the session,
so its response writes the cookie."""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface, SessionMixin


class SessionInterface(SecureCookieSessionInterface):
    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if "_flashes" in session and not session.modified:
            return False
        return super().should_set_cookie(app, session)
