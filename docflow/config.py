"""Typed settings loaded from one TOML file; unknown keys and wrong types stop startup with the key's name."""

from __future__ import annotations

import dataclasses
import os
import secrets
import tomllib
import typing
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import Any, Literal

from docflow.config_exchange import ExchangeSettings
from docflow.config_ops import MetricsSettings, StorageSettings
from docflow.config_sections import (
    ApiSettings,
    ArchiveSettings,
    AuditSettings,
    MailSettings,
    OcrSettings,
    QueueSettings,
)
from docflow.config_loading import build_section, deep_merge
from docflow.errors import ConfigurationError

Mode = Literal["development", "production", "testing"]


@dataclass(frozen=True)
class AppSettings:
    mode: Mode = "development"
    data_dir: Path = Path("var")
    keys_dir: Path = Path("keys")
    secret_key_env: str = "DOCFLOW_SECRET_KEY"
    secret_key_file: Path | None = None
    default_locale: Literal["vi", "en"] = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    organisation_name: str = "UBND phường Tích Sơn"
    # The ward's organ identifier (mã định danh), R57's OrganId in the records' metadata: "000.00.00.H41"
    organ_id: str = ""
    public_url: str = "http://127.0.0.1:5000"   # the base of the QR codes' /v/<code> address (issue 15 §2)
    log_format: Literal["text", "json"] = "text"   # "json": one JSON object a line, with the request's id

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The ward's time zone: the one place every local date and time (deadlines, registers, the
        signing time printed on a stamp) is computed in. Checked when the settings load."""
        return zoneinfo.ZoneInfo(self.timezone)


def local_date(settings: Settings, moment: datetime) -> date:
    """The ward's calendar date at ``moment``: deadlines, registers, entitlements and issue dates follow the
    ward's clock, not UTC (a UTC 20:00 is already tomorrow in Hanoi). The one place it is computed."""
    return moment.astimezone(settings.app.zone).date()


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The UTC instant at which ``day`` begins on the ward's clock (``zone``): the lower bound of every
    filter by local day on a stored UTC time (registers, figures, the audit log)."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def parse_clock(text: str) -> time | None:
    """``"02:30"`` as a time of day; None unless it is HH:MM from 00:00 to 23:59."""
    digits = len(text) == 5 and text[2] == ":" and text.isascii() and (text[:2] + text[3:]).isdigit()
    return time(int(text[:2]), int(text[3:])) if digits and int(text[:2]) < 24 and int(text[3:]) < 60 else None


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = ""
    password_env: str | None = None
    echo: bool = False
    lock_timeout_seconds: int = 30


@dataclass(frozen=True)
class SecuritySettings:
    session_cookie_secure: bool = False
    session_lifetime_minutes: int = 480
    session_max_age_hours: int = 12
    login_free_failures: int = 5
    login_first_delay_seconds: int = 30
    login_max_delay_minutes: int = 10
    login_address_max_failures: int = 30
    login_address_window_minutes: int = 15
    login_concurrent_checks: int = 4
    trusted_proxies: int = 0
    csrf_enabled: bool = True


@dataclass(frozen=True)
class UploadSettings:
    max_upload_mb: int = 60
    page_size: int = 25
    # Each uploaded PDF is parsed in a child process under these limits (docflow.pdfcheck).
    parse_cpu_seconds: int = 20
    parse_memory_mb: int = 512
    max_pages: int = 2000
    parse_concurrency: int = 2


@dataclass(frozen=True)
class ConvertSettings:
    """Drafting from Word: LibreOffice converts a .docx / .odt to PDF/A-2b (docflow.convert)."""
    soffice_path: Path = Path("/usr/bin/soffice")
    timeout_seconds: int = 60
    max_source_mb: int = 20
    concurrency: int = 2


PadesLevelName = Literal["B-B", "B-T", "B-LT", "B-LTA"]


@dataclass(frozen=True)
class TokenSettings:
    """A PKCS#11 token holding one user's signing key (the PIN is asked at signing time)."""
    module: Path
    token_label: str
    key_label: str
    cert_label: str | None = None


@dataclass(frozen=True)
class SigningSettings:
    ca: Literal["development", "production"] = "development"
    ca_chain: tuple[Path, ...] = ()
    trust_roots: tuple[Path, ...] = ()
    tsa_url: str = ""
    ca_passphrase_env: str = "DOCFLOW_CA_PASSPHRASE"
    certificate_validity_days: int = 730
    expiry_warning_days: int = 30
    level_initial: PadesLevelName = "B-B"
    level_personal: PadesLevelName = "B-T"
    level_organisation: PadesLevelName = "B-LT"
    fetch_revocation: bool = False
    verify_time_limit_seconds: int = 30
    tokens: dict[str, TokenSettings] = field(default_factory=dict)
    # The server secret that, with the PIN, derives each key file's password; kept outside keys_dir.
    # Unset: data_dir/key_secret, made (0600) on first use; production mode requires it set and readable.
    key_secret_file: Path | None = None
    # argon2id cost of one PIN check (and of one offline guess); below 64 MiB only in testing mode.
    pin_kdf_memory_kib: int = 65536
    pin_kdf_time_cost: int = 6
    pin_kdf_parallelism: int = 1
    # Wrong PINs in a row that lock a key, the first lock's length (each further lock doubles it), and
    # how long an enrolment code (the holder's first PIN) stays valid.
    pin_max_failures: int = 5
    pin_lockout_minutes: int = 15
    pin_enrolment_hours: int = 72


@dataclass(frozen=True)
class WorkflowSettings:
    # Public holidays and make-up working days (TOML); empty: the calendar shipped with docflow.
    holidays_file: Path | None = None
    # An assignment with this many working days or fewer left is "at risk".
    at_risk_working_days: int = 1
    # Working days a leader gives by default when directing an incoming document.
    default_deadline_working_days: int = 10
    petition_deadline_working_days: int = 10   # a citizen's petition is answered within this many working days
    petition_apology_working_days: int = 1     # the apology is due this many working days before that deadline


@dataclass(frozen=True)
class Settings:
    app: AppSettings = field(default_factory=AppSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    uploads: UploadSettings = field(default_factory=UploadSettings)
    convert: ConvertSettings = field(default_factory=ConvertSettings)
    signing: SigningSettings = field(default_factory=SigningSettings)
    workflow: WorkflowSettings = field(default_factory=WorkflowSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    audit: AuditSettings = field(default_factory=AuditSettings)
    ocr: OcrSettings = field(default_factory=OcrSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    exchange: ExchangeSettings = field(default_factory=ExchangeSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    queue: QueueSettings = field(default_factory=QueueSettings)
    source: Path | None = None

    @property
    def blobs_dir(self) -> Path:
        return self.storage.path or self.app.data_dir / "blobs"

    @property
    def database_url(self) -> str:
        url = self.database.url or f"sqlite:///{(self.app.data_dir / 'docflow.db').resolve()}"
        if self.database.password_env:
            password = os.environ.get(self.database.password_env)
            if password is None:
                raise ConfigurationError(
                    f"database.password_env names {self.database.password_env}, which is not set")
            # Set as a URL part, not pasted into the string: "p@ss/w#rd" must stay one password.
            from sqlalchemy.engine import make_url
            url = make_url(url.replace("{password}", "")).set(password=password).render_as_string(
                hide_password=False)
        return url

    @property
    def cookies_secure(self) -> bool:
        """Production is served over HTTPS only: its cookies are always Secure, whatever the file says."""
        return self.security.session_cookie_secure or self.app.mode == "production"

    @property
    def max_upload_bytes(self) -> int:
        return self.uploads.max_upload_mb * 1024 * 1024

    def key_secret(self) -> bytes:
        """The server secret for key wrapping: the configured file, or (not in production) data_dir/key_secret,
        created 0600 on first use. Raises ConfigurationError when it cannot be had."""
        path = self.signing.key_secret_file
        if path is None:
            if self.app.mode == "production":
                raise ConfigurationError("production mode needs signing.key_secret_file (outside keys_dir)")
            path = self.app.data_dir / "key_secret"
            if not path.exists():
                _write_private(path, secrets.token_urlsafe(48))
        if path.resolve().is_relative_to(self.app.keys_dir.resolve()):
            # a copy of the key folder alone must not be enough to test PINs against the key files
            raise ConfigurationError("signing.key_secret_file must lie outside app.keys_dir")
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(f"signing.key_secret_file cannot be read: {exc.strerror}") from exc
        if len(value) < 32:
            raise ConfigurationError("signing.key_secret_file must hold at least 32 characters")
        return value.encode("utf-8")

    def secret_key(self) -> str:
        """The Flask secret key: environment, then file; development keeps a random one under data_dir."""
        value = os.environ.get(self.app.secret_key_env, "").strip()
        if not value and self.app.secret_key_file is not None:
            try:
                value = self.app.secret_key_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigurationError(f"app.secret_key_file cannot be read: {exc.strerror}") from exc
        if value:
            return value
        if self.app.mode == "production":
            raise ConfigurationError(
                f"production mode needs a secret key: set {self.app.secret_key_env} or app.secret_key_file")
        return _development_secret(self.app.data_dir)

    def flask_mapping(self) -> dict[str, Any]:
        return {
            "SECRET_KEY": self.secret_key(),
            "TESTING": self.app.mode == "testing",
            "MAX_CONTENT_LENGTH": self.max_upload_bytes + 1024 * 1024,
            "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.cookies_secure,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": self.cookies_secure,
            "PERMANENT_SESSION_LIFETIME": self.security.session_lifetime_minutes * 60,
            "WTF_CSRF_ENABLED": self.security.csrf_enabled,
            "WTF_CSRF_TIME_LIMIT": None,
            "BABEL_DEFAULT_LOCALE": self.app.default_locale,
            "BABEL_DEFAULT_TIMEZONE": self.app.timezone,
        }


def _development_secret(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_urlsafe(48)
    _write_private(path, value)
    return value


def _write_private(path: Path, value: str) -> None:
    """Create ``path`` owner-only (0600, its folder 0700); an existing file is never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value)


def load(path: str | os.PathLike[str] | None = None, *, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Read the TOML file (if any), deep-merge ``overrides`` and build typed settings.

    Raises ConfigurationError naming the offending key.
    """
    raw: dict[str, Any] = {}
    source = Path(path) if path else None
    if source is not None:
        try:
            with source.open("rb") as fh:
                raw = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigurationError(f"configuration file {source} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"configuration file {source} is not valid TOML: {exc}") from exc
    merged = deep_merge(raw, dict(overrides or {}))
    base = source.parent if source is not None else Path.cwd()
    sections = {f.name: f for f in dataclasses.fields(Settings) if f.name != "source"}
    values: dict[str, Any] = {}
    for name, value in merged.items():
        if name not in sections:
            raise ConfigurationError(f"unknown key {name}")
        if not isinstance(value, Mapping):
            raise ConfigurationError(f"{name} must be a table")
        cls = typing.get_type_hints(Settings)[name]
        values[name] = build_section(name, cls, value, base)
    settings = Settings(**values, source=source)
    _check(settings)
    return settings


# Settings that must be at least this much; 0 would mean "wait after every mistype" or "no page".
_MINIMUMS = {
    ("security", "login_free_failures"): 1,
    ("security", "login_first_delay_seconds"): 1,
    ("security", "login_max_delay_minutes"): 1,
    ("security", "login_address_max_failures"): 1,
    ("security", "login_address_window_minutes"): 1,
    ("security", "login_concurrent_checks"): 1,
    ("security", "session_lifetime_minutes"): 1,
    ("security", "session_max_age_hours"): 1,
    ("database", "lock_timeout_seconds"): 1,
    ("uploads", "max_upload_mb"): 1, ("uploads", "page_size"): 1, ("uploads", "parse_cpu_seconds"): 1,
    ("uploads", "parse_memory_mb"): 128, ("uploads", "max_pages"): 1, ("uploads", "parse_concurrency"): 1,
    ("convert", "timeout_seconds"): 1, ("convert", "max_source_mb"): 1, ("convert", "concurrency"): 1,
    ("signing", "certificate_validity_days"): 1,
    ("signing", "verify_time_limit_seconds"): 1,
    ("signing", "pin_kdf_time_cost"): 1,
    ("signing", "pin_kdf_parallelism"): 1,
    ("signing", "pin_max_failures"): 1,
    ("signing", "pin_lockout_minutes"): 15,
    ("signing", "pin_enrolment_hours"): 1,
    ("audit", "checkpoint_every_events"): 0,
    ("audit", "checkpoint_every_minutes"): 0,
    ("ocr", "dpi"): 72,
    ("ocr", "timeout_seconds"): 1,
    ("ocr", "poll_seconds"): 1,
    ("ocr", "max_attempts"): 1, ("ocr", "stale_minutes"): 1,
    ("workflow", "petition_deadline_working_days"): 1,
    ("archive", "renew_days_before"): 1,
    ("api", "rate_limit"): 1, ("api", "rate_window_seconds"): 1,
    ("queue", "max_attempts"): 1, ("queue", "retry_min_seconds"): 1, ("queue", "retry_max_seconds"): 1,
    ("queue", "time_limit_minutes"): 1, ("queue", "heartbeat_seconds"): 1, ("queue", "tick_seconds"): 1,
}


def _check(settings: Settings) -> None:
    """Whole-configuration rules that single-key type checks cannot express."""
    for (section, key), minimum in _MINIMUMS.items():
        if getattr(getattr(settings, section), key) < minimum:
            raise ConfigurationError(f"{section}.{key} must be at least {minimum}")
    try:
        zoneinfo.ZoneInfo(settings.app.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(f"app.timezone {settings.app.timezone!r} is not a known time zone") from None
    if settings.app.mode == "production" and not settings.security.csrf_enabled:
        raise ConfigurationError("security.csrf_enabled cannot be false in production mode")
    if settings.signing.ca == "production" and not settings.signing.ca_chain:
        raise ConfigurationError("signing.ca_chain must name the CA chain when signing.ca is \"production\"")
    if settings.app.mode != "testing" and settings.signing.pin_kdf_memory_kib < 65536:
        raise ConfigurationError("signing.pin_kdf_memory_kib must be at least 65536 (64 MiB) outside testing mode")
    if settings.signing.pin_kdf_memory_kib < 8 * settings.signing.pin_kdf_parallelism:
        raise ConfigurationError("signing.pin_kdf_memory_kib must be at least 8 KiB per lane")
    if settings.archive.renew_at and parse_clock(settings.archive.renew_at) is None:
        raise ConfigurationError("archive.renew_at must be a time of day as HH:MM (00:00 to 23:59), or \"\"")
    if settings.queue.url and not settings.queue.url.startswith(("redis://", "rediss://", "amqp://", "amqps://")):
        raise ConfigurationError("queue.url must be \"\", a redis:// or an amqp:// URL")
    if settings.signing.tsa_url and not settings.signing.tsa_url.startswith(("http://", "https://")):
        raise ConfigurationError("signing.tsa_url must be an http:// or https:// URL")
