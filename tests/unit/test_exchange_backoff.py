"""The outbox's back-off: exponential from retry_first_seconds, capped at retry_max_seconds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from docflow import config
from docflow.config_exchange import ExchangeSettings
from docflow.errors import ConfigurationError
from docflow.services.exchange.outbox import back_off


def test_each_failure_doubles_the_wait_until_the_cap() -> None:
    settings = ExchangeSettings(retry_first_seconds=30, retry_max_seconds=600)
    waits = [back_off(settings, attempts) for attempts in range(1, 8)]
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 240, 480, 600, 600)]


def test_a_thousand_failures_wait_the_cap_and_do_not_overflow() -> None:
    settings = ExchangeSettings(retry_first_seconds=30, retry_max_seconds=3600)
    assert back_off(settings, 1000) == timedelta(hours=1)


def test_the_exchange_section_is_read_from_the_configuration_and_checked() -> None:
    settings = config.load(overrides={"exchange": {"retry_first_seconds": 5, "listen_port": 9443}})
    assert settings.exchange.retry_first_seconds == 5 and settings.exchange.listen_port == 9443
    with pytest.raises(ConfigurationError, match="exchange.retry_max_seconds"):
        config.load(overrides={"exchange": {"retry_first_seconds": 100, "retry_max_seconds": 10}})
    with pytest.raises(ConfigurationError, match="go together"):
        config.load(overrides={"exchange": {"client_cert": "/tmp/a.pem"}})
    with pytest.raises(ConfigurationError, match="unknown key exchange.colour"):
        config.load(overrides={"exchange": {"colour": "red"}})
