"""The ``[exchange]`` settings: the transport of edXML messages to and from other agencies (issue 15 §1).

Kept apart from ``docflow.config`` (which is at the module size limit); ``Settings.exchange`` holds one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from docflow.errors import ConfigurationError


@dataclass(frozen=True)
class ExchangeSettings:
    # `docflow exchange serve`: the HTTPS endpoint other agencies POST messages to (/edxml), with mutual TLS:
    # the ward's server certificate (PEM, with its chain) and key; a client certificate is required and must
    # chain to the trust root of a registered, active partner.
    listen_host: str = "127.0.0.1"
    listen_port: int = 8443
    server_cert: Path | None = None
    server_key: Path | None = None
    # The ward's client certificate and key for delivering to partners' endpoints (mutual TLS).
    client_cert: Path | None = None
    client_key: Path | None = None
    # Folder transport (sneakernet): files put here are taken in (then moved to done/ or rejected/);
    # unset: no folder is polled. A partner whose URL is folder:/path gets its messages written there.
    inbox_folder: Path | None = None
    # The sender: `docflow run` delivers the outbox every poll_seconds (false: only `docflow exchange send`);
    # a failed delivery waits retry_first_seconds, doubled at each further failure up to retry_max_seconds.
    send_in_background: bool = True
    poll_seconds: int = 10
    retry_first_seconds: int = 30
    retry_max_seconds: int = 3600
    timeout_seconds: int = 30
    # A message being sent longer than this lost its sender (a crash): another sender takes it again.
    stale_minutes: int = 10
    max_message_mb: int = 100

    def __post_init__(self) -> None:
        for key in ("poll_seconds", "retry_first_seconds", "timeout_seconds", "stale_minutes", "max_message_mb"):
            if getattr(self, key) < 1:
                raise ConfigurationError(f"exchange.{key} must be at least 1")
        if self.retry_max_seconds < self.retry_first_seconds:
            raise ConfigurationError("exchange.retry_max_seconds must be at least exchange.retry_first_seconds")
        if not 0 < self.listen_port < 65536:
            raise ConfigurationError("exchange.listen_port must be a TCP port (1 to 65535)")
        if (self.server_cert is None) != (self.server_key is None):
            raise ConfigurationError("exchange.server_cert and exchange.server_key go together")
        if (self.client_cert is None) != (self.client_key is None):
            raise ConfigurationError("exchange.client_cert and exchange.client_key go together")

    @property
    def max_message_bytes(self) -> int:
        return self.max_message_mb * 1024 * 1024
