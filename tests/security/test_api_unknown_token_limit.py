"""Guessing API tokens is limited per address: calls without a token or with one docflow never made are
counted for the caller's address, and beyond the limit the address is answered 429 with Retry-After (before,
every guess was a free database look-up). A real client's calls from that address are not held back."""

from __future__ import annotations

from docflow.models import Role
from docflow.web.api.base import UNKNOWN_TOKEN_LIMIT
from tests.api.helpers import ApiCaller, make_api_client  # noqa: F401 - fixtures


def _guess(app, n: int, address: str = "198.51.100.9") -> int:
    return app.test_client().get("/api/v1/documents", headers={"Authorization": f"Bearer dfk_guess{n:038d}"},
                                 environ_base={"REMOTE_ADDR": address}).status_code


def test_a_token_guesser_is_stopped_with_429_after_the_limit(app, db_session, org):
    statuses = [_guess(app, n) for n in range(UNKNOWN_TOKEN_LIMIT + 1)]
    assert statuses[:UNKNOWN_TOKEN_LIMIT] == [401] * UNKNOWN_TOKEN_LIMIT
    refused = app.test_client().get("/api/v1/documents", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert statuses[-1] == 429 and refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.get_json()["status"] == 429
    assert _guess(app, 0, address="198.51.100.10") == 401          # another address is another caller


def test_a_real_clients_calls_are_not_counted_as_guesses(app, db_session, make_user, make_api_client):
    made = make_api_client(make_user(Role.CLERK))
    caller = ApiCaller(app.test_client(), made.token)
    assert all(caller.get("/api/v1/documents").status_code == 200 for _ in range(UNKNOWN_TOKEN_LIMIT + 1))
