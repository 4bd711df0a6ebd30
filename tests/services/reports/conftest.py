"""The hand-built ward (wardset.py) and the app's settings, for the figures tests (test_figures.py keeps its own
copies: its text is the definitions' proof and stays as it was)."""

from __future__ import annotations

import pytest

from tests.services.reports.wardset import build_ward


@pytest.fixture
def ward(db_session, org, make_department, make_user):
    return build_ward(db_session, org, make_department, make_user)


@pytest.fixture
def settings(app):
    return app.extensions["docflow.settings"]
