"""Issue 16 §3: the deployment files under deploy/ are valid as shipped: nginx accepts the site (``nginx -t``),
systemd accepts the units (``systemd-analyze verify``, where systemd is installed; the keys are checked by a
parser everywhere), and the province configuration loads."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from docflow import config

from tests.deploy import nginx

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
SHIPPED_DOCFLOW = "/srv/docflow/.venv/bin/docflow"
SERVICE_KEYS = {"Type", "User", "Group", "WorkingDirectory", "Environment", "EnvironmentFile", "ExecStart", "Restart",
                "RestartSec", "TimeoutStopSec", "UMask", "NoNewPrivileges", "PrivateTmp", "PrivateDevices",
                "ProtectSystem", "ProtectHome", "ProtectKernelTunables", "ProtectControlGroups", "RestrictSUIDSGID",
                "ReadWritePaths"}
SECTION_KEYS = {
    "Unit": {"Description", "Documentation", "After", "Wants", "PartOf"},
    "Service": SERVICE_KEYS,
    "Timer": {"OnCalendar", "Persistent", "RandomizedDelaySec"},
    "Install": {"WantedBy"},
}

needs_nginx = pytest.mark.skipif(shutil.which(nginx.NGINX) is None and not Path(nginx.NGINX).exists(),
                                 reason="nginx is not installed (.ci/run installs it)")


@needs_nginx
def test_nginx_accepts_the_shipped_site():
    with nginx.nginx_prefix() as prefix:
        main = nginx.write_config(prefix, 18080, [18001, 18002])
        checked = nginx.check(prefix, main)
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr


@needs_nginx
def test_nginx_check_catches_a_broken_site():
    # The check above can fail: a site with a directive nginx does not know is refused.
    with nginx.nginx_prefix() as prefix:
        main = nginx.write_config(prefix, 18080, [18001])
        site = prefix / "docflow.conf"
        site.write_text(site.read_text().replace("proxy_read_timeout", "proxy_read_timeuot"))
        assert nginx.check(prefix, main).returncode != 0


def test_the_site_forwards_the_request_id_and_the_client_address_and_hides_metrics():
    site = nginx.SITE.read_text()
    assert "proxy_set_header X-Request-Id $request_id;" in site
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    assert "location = /metrics {\n        return 404;" in site
    assert "listen 127.0.0.1:" in site


def _units() -> list[Path]:
    return sorted(p for p in UNITS.iterdir() if p.suffix in (".service", ".timer", ".target"))


def test_every_unit_has_known_keys_and_a_docflow_command():
    for unit in _units():
        parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(unit.read_text(encoding="utf-8"))
        assert "Unit" in parser, unit.name
        for section in parser.sections():
            unknown = set(parser[section]) - SECTION_KEYS[section]
            assert not unknown, f"{unit.name} [{section}]: {unknown}"
        if unit.suffix == ".service":
            assert parser["Service"]["ExecStart"].startswith(SHIPPED_DOCFLOW + " "), unit.name
            assert parser["Service"]["User"] == "docflow", unit.name
            assert "DOCFLOW_CONFIG=/etc/docflow/docflow.toml" in parser["Service"]["Environment"], unit.name
    web = (UNITS / "docflow-web@.service").read_text()
    assert "docflow run --host 127.0.0.1 --port %i" in web


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_systemd_accepts_every_unit(tmp_path):
    docflow = shutil.which("docflow") or str(Path(shutil.which("python3") or "/usr/bin/python3"))
    names = []
    for unit in _units():
        text = unit.read_text(encoding="utf-8").replace(SHIPPED_DOCFLOW, docflow)
        # A template is verified as one of its instances.
        name = unit.name.replace("@.", "@8001." if unit.name.startswith("docflow-web@") else "@W1.")
        (tmp_path / name).write_text(text, encoding="utf-8")
        names.append(str(tmp_path / name))
    verified = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], capture_output=True, text=True,
                              timeout=120)
    assert verified.returncode == 0, verified.stderr
    assert verified.stderr.strip() == "", verified.stderr   # unknown keys are only warned about: none allowed


def test_the_province_configuration_loads():
    settings = config.load(ROOT / "deploy" / "docflow.toml")
    assert settings.app.mode == "production" and settings.app.log_format == "json"
    assert settings.security.trusted_proxies == 1 and settings.cookies_secure
    assert settings.blobs_dir == Path("/srv/docflow-blobs")
    assert settings.app.secret_key_file == Path("/etc/docflow/secret_key")
