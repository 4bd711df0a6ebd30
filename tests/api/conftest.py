"""The API fixtures (tests/api/helpers.py) for every test in this folder."""

from tests.api.helpers import api_as, make_api_client  # noqa: F401 - fixtures
