"""Configuration: typed, strict, secrets from the environment, defaults under ./var."""

from __future__ import annotations

import dataclasses
import re
import tomllib
import typing
from pathlib import Path

import pytest

from docflow import config
from docflow.errors import ConfigurationError
from docflow.paths import PROJECT_ROOT


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "docflow.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_misspelt_key_stops_startup_with_its_name(tmp_path):
    path = _write(tmp_path, '[app]\nmode = "development"\ndata_dri = "x"\n')
    with pytest.raises(ConfigurationError, match="unknown key app.data_dri"):
        config.load(path)


def test_an_unknown_section_is_named(tmp_path):
    with pytest.raises(ConfigurationError, match="unknown key signing"):
        config.load(_write(tmp_path, '[signing]\nkeyfile = "x"\n'))


@pytest.mark.parametrize("text,key", [
    ('[uploads]\nmax_upload_mb = "60"\n', "uploads.max_upload_mb"),
    ('[security]\nsession_cookie_secure = "yes"\n', "security.session_cookie_secure"),
    ('[app]\nmode = "prod"\n', "app.mode"),
    ('[app]\ndefault_locale = "fr"\n', "app.default_locale"),
    ('[uploads]\npage_size = -1\n', "uploads.page_size"),
    ('[uploads]\npage_size = 0\n', "uploads.page_size"),
    ('[security]\nlogin_free_failures = 0\n', "security.login_free_failures"),
    ('[app]\ntimezone = "Asia/Ho_Chi_Mihn"\n', "app.timezone"),
    ('[app]\nmode = "production"\n[security]\ncsrf_enabled = false\n', "security.csrf_enabled"),
    ('[archive]\nrenew_at = "2:30"\n', "archive.renew_at"),
    ('[archive]\nrenew_at = "24:00"\n', "archive.renew_at"),
    ('[archive]\nrenew_at = "02:60"\n', "archive.renew_at"),
    ('[archive]\nrenew_at = 230\n', "archive.renew_at"),
])
def test_a_wrong_type_stops_startup_with_the_key(tmp_path, text, key):
    with pytest.raises(ConfigurationError, match=key.replace(".", r"\.")):
        config.load(_write(tmp_path, text))


def test_a_removed_sign_in_lock_key_stops_startup_saying_what_replaces_it(tmp_path):
    with pytest.raises(ConfigurationError, match=r"security\.login_max_failures was removed.*login_free_failures"):
        config.load(_write(tmp_path, "[security]\nlogin_max_failures = 5\n"))
    with pytest.raises(ConfigurationError, match=r"login_lockout_minutes was removed.*login_max_delay_minutes"):
        config.load(_write(tmp_path, "[security]\nlogin_lockout_minutes = 15\n"))


def test_production_mode_always_sends_secure_cookies(tmp_path):
    settings = config.load(overrides={"app": {"mode": "production"}, "security": {"session_cookie_secure": False}})
    assert settings.cookies_secure
    assert not config.load(overrides={"app": {"mode": "development"}}).cookies_secure


def test_invalid_toml_is_reported(tmp_path):
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        config.load(_write(tmp_path, "[app\n"))


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("DOCFLOW_SECRET_KEY", raising=False)
    settings = config.load(_write(tmp_path, '[app]\nmode = "production"\n'))
    with pytest.raises(ConfigurationError, match="secret key"):
        settings.secret_key()


def test_production_takes_the_secret_from_the_environment_or_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCFLOW_SECRET_KEY", "from-the-environment")
    settings = config.load(_write(tmp_path, '[app]\nmode = "production"\n'))
    assert settings.secret_key() == "from-the-environment"
    monkeypatch.delenv("DOCFLOW_SECRET_KEY")
    (tmp_path / "secret").write_text("from-a-file\n")
    settings = config.load(_write(tmp_path, '[app]\nmode = "production"\nsecret_key_file = "secret"\n'))
    assert settings.secret_key() == "from-a-file"


def test_development_keeps_one_random_secret_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("DOCFLOW_SECRET_KEY", raising=False)
    settings = config.load(overrides={"app": {"data_dir": str(tmp_path / "var")}})
    first = settings.secret_key()
    assert len(first) > 40 and first == settings.secret_key()
    assert oct((tmp_path / "var" / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_without_a_file_data_lives_under_var_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = config.load(None)
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'docflow.db'}"
    assert settings.blobs_dir.resolve() == tmp_path / "var" / "blobs"
    assert settings.app.keys_dir == Path("keys")


def test_the_database_password_comes_from_the_environment(tmp_path, monkeypatch):
    path = _write(tmp_path, '[database]\nurl = "postgresql+psycopg://d:{password}@h/db"\n'
                            'password_env = "DOCFLOW_TEST_DB_PW"\n')
    monkeypatch.delenv("DOCFLOW_TEST_DB_PW", raising=False)
    with pytest.raises(ConfigurationError, match="DOCFLOW_TEST_DB_PW"):
        _ = config.load(path).database_url
    monkeypatch.setenv("DOCFLOW_TEST_DB_PW", "p@ss/w#rd")
    from sqlalchemy.engine import make_url
    url = make_url(config.load(path).database_url)
    assert (url.username, url.password, url.host, url.database) == ("d", "p@ss/w#rd", "h", "db")


def test_the_example_file_documents_exactly_every_key():
    path = PROJECT_ROOT / "config.example.toml"
    text = path.read_text(encoding="utf-8")
    loaded = tomllib.loads(text)
    hints = typing.get_type_hints(config.Settings)
    for section in (f.name for f in dataclasses.fields(config.Settings) if f.name != "source"):
        keys = {f.name for f in dataclasses.fields(hints[section])}
        mentioned = {k for k in keys if f"{k} =" in text}
        assert mentioned == keys, f"[{section}] misses {keys - mentioned}"
        assert set(loaded.get(section, {})) <= keys
    config.load(path)


def test_signing_lists_and_token_tables_are_typed_and_checked(tmp_path):
    path = tmp_path / "docflow.toml"
    path.write_text('[signing]\ntrust_roots = ["roots/a.pem"]\n'
                    '[signing.tokens.phochutich1]\nmodule = "/usr/lib/softhsm/libsofthsm2.so"\n'
                    'token_label = "docflow"\nkey_label = "k1"\n', encoding="utf-8")
    signing = config.load(path).signing
    assert signing.trust_roots == (tmp_path / "roots" / "a.pem",)
    token = signing.tokens["phochutich1"]
    assert (token.module, token.token_label, token.key_label, token.cert_label) == (
        Path("/usr/lib/softhsm/libsofthsm2.so"), "docflow", "k1", None)


@pytest.mark.parametrize(("table", "message"), [
    ({"trust_roots": "a.pem"}, "signing.trust_roots must be a list"),
    ({"trust_roots": [1]}, "signing.trust_roots[0] must be a path"),
    ({"tokens": {"u": {"module": "/m", "token_label": "t"}}}, "signing.tokens.u.key_label is required"),
    ({"tokens": {"u": {"module": "/m", "token_label": "t", "key_label": "k", "pin": "1234"}}},
     "unknown key signing.tokens.u.pin"),
    ({"level_personal": "B-X"}, "signing.level_personal must be one of"),
    ({"ca": "production"}, "signing.ca_chain must name the CA chain"),
    ({"tsa_url": "ftp://tsa"}, "signing.tsa_url must be an http"),
])
def test_bad_signing_settings_name_the_key(table, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        config.load(overrides={"signing": table})


def test_production_refuses_to_start_without_the_key_wrapping_secret(tmp_path, monkeypatch):
    from docflow import create_app
    monkeypatch.setenv("DOCFLOW_SECRET_KEY", "k" * 48)
    monkeypatch.delenv("DOCFLOW_CONFIG", raising=False)
    production = {"app": {"mode": "production", "data_dir": str(tmp_path)},
                  "database": {"url": f"sqlite:///{tmp_path / 'p.db'}"}}
    with pytest.raises(ConfigurationError, match="key_secret_file"):
        create_app(production)
    secret = tmp_path / "elsewhere" / "key_secret"
    secret.parent.mkdir()
    with pytest.raises(ConfigurationError, match="cannot be read"):
        config.load(overrides={**production, "signing": {"key_secret_file": str(secret)}}).key_secret()
    secret.write_text("s" * 48, encoding="utf-8")
    settings = config.load(overrides={**production, "signing": {"key_secret_file": str(secret)}})
    assert settings.key_secret() == b"s" * 48
    beside_the_keys = tmp_path / "keys" / "key_secret"
    beside_the_keys.parent.mkdir()
    beside_the_keys.write_text("s" * 48, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="outside app.keys_dir"):
        config.load(overrides={**production, "app": {**production["app"], "keys_dir": str(tmp_path / "keys")},
                               "signing": {"key_secret_file": str(beside_the_keys)}}).key_secret()


def test_a_cheap_pin_kdf_is_refused_outside_testing_mode():
    with pytest.raises(ConfigurationError, match="pin_kdf_memory_kib"):
        config.load(overrides={"signing": {"pin_kdf_memory_kib": 1024}})
    with pytest.raises(ConfigurationError, match="pin_lockout_minutes"):
        config.load(overrides={"signing": {"pin_lockout_minutes": 5}})
    assert config.load(overrides={"app": {"mode": "testing"},
                                  "signing": {"pin_kdf_memory_kib": 64}}).signing.pin_kdf_memory_kib == 64


def test_local_midnight_is_the_utc_instant_the_wards_day_begins() -> None:
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    from docflow.config import local_midnight
    assert local_midnight(date(2026, 1, 31), ZoneInfo("Asia/Ho_Chi_Minh")) == datetime(2026, 1, 30, 17, tzinfo=UTC)
    assert local_midnight(date(2026, 1, 31), UTC) == datetime(2026, 1, 31, tzinfo=UTC)


@pytest.mark.parametrize("text,expected", [("00:00", (0, 0)), ("02:30", (2, 30)), ("23:59", (23, 59)),
                                           ("2:30", None), ("24:00", None), ("ab:cd", None), ("0230", None), ("0²:30", None)])
def test_the_daily_renewal_hour_is_read_as_hh_mm(text, expected):
    clock = config.parse_clock(text)
    assert (None if clock is None else (clock.hour, clock.minute)) == expected
