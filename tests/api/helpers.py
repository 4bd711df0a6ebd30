"""API test helpers: a client with a token for a user and scopes, and a test client that sends it as a bearer
(fixtures imported by tests/api/conftest.py and tests/security/test_api_refusals.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from docflow.models import User
from docflow.services import api as api_service

ALL_SCOPES = tuple(api_service.SCOPES)


class ApiCaller:
    """The Flask test client with a bearer token on every call."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client, self.token = client, token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, url: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.get(url, headers=self._headers(headers), buffered=True, **kw)

    def post(self, url: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.post(url, headers=self._headers(headers), **kw)


@pytest.fixture
def make_api_client(db_session: Session) -> Callable[..., api_service.NewClient]:
    def make(user: User, scopes: tuple[str, ...] = ALL_SCOPES, *, name: str = "Cổng thử nghiệm",
             expires_days: int | None = None) -> api_service.NewClient:
        return api_service.create_client(db_session, actor=None, user=user, name=name, scopes=scopes,
                                         expires_days=expires_days)
    return make


@pytest.fixture
def api_as(app: Flask, db_session: Session, make_api_client: Callable[..., api_service.NewClient]
           ) -> Callable[..., ApiCaller]:
    """``api_as(user, scopes)``: a caller whose token acts as ``user``."""
    def make(user: User, scopes: tuple[str, ...] = ALL_SCOPES, **kw: Any) -> ApiCaller:
        return ApiCaller(app.test_client(), make_api_client(user, scopes, **kw).token)
    return make
