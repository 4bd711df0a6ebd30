"""The operations sections of ``docflow.config``: who may read /metrics, and where the blobs live (issue 16 §2-3).
Kept apart from ``docflow.config`` for its size; ``docflow.config`` re-exports them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from docflow.errors import ConfigurationError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class MetricsSettings:
    # Addresses or networks (CIDR) whose requests /metrics answers; every other address gets a 404. The default
    # is loopback only: a Prometheus on the same host scrapes each app process on its own port.
    allow: tuple[str, ...] = ("127.0.0.1", "::1")

    def __post_init__(self) -> None:
        self.networks()   # a typo stops startup with the key's name, not the first scrape

    def networks(self) -> tuple[Network, ...]:
        try:
            return tuple(ipaddress.ip_network(entry, strict=False) for entry in self.allow)
        except ValueError as exc:
            raise ConfigurationError(f"metrics.allow: {exc}") from None

    def allows(self, address: str | None) -> bool:
        """Whether a request from ``address`` (the client as the app sees it) may read /metrics."""
        try:
            ip = ipaddress.ip_address((address or "").split("%")[0])
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip.version == net.version and ip in net for net in self.networks())


@dataclass(frozen=True)
class StorageSettings:
    # The blob store's folder (content-addressed, write-once); unset: data_dir/blobs. Several hosts share one
    # deployment's blobs by pointing this at the same mount (NFS): it must offer an atomic rename within the mount
    # and honour fsync (README, "Running a province deployment").
    path: Path | None = None
