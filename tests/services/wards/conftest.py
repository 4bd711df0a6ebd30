"""A ward provisioned in a rolled-back test leaves its key folder on disk (keys_dir/wards/<id>): removed after
each test, so a later test's ward that gets the same id starts without it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from flask import Flask

from docflow.services.keys import WARDS_FOLDER


@pytest.fixture(autouse=True)
def _forget_ward_key_folders(app: Flask) -> Iterator[None]:
    yield
    shutil.rmtree(app.extensions["docflow.settings"].app.keys_dir / WARDS_FOLDER, ignore_errors=True)
