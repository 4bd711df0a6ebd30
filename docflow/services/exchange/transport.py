"""Delivering one message to one partner: over HTTPS with mutual TLS (the ward's client certificate; the
partner's server certificate verified against ONLY that partner's registered root), or into a folder
(sneakernet: written to a temporary name, synced, renamed, the folder synced). No database here."""

from __future__ import annotations

import enum
import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests

from docflow.config_exchange import ExchangeSettings
from docflow.services.exchange.ports import PartnerEndpoint
from docflow.signing.atomic import write_atomic

FOLDER_SCHEME = "folder:"
CONTENT_TYPE = "application/xml"


class Outcome(enum.StrEnum):
    DELIVERED = "delivered"    # the partner confirmed: HTTP 2xx, or the file is on disk
    RETRY = "retry"            # may work later: unreachable, 5xx, timeout, no usable endpoint yet
    REFUSED = "refused"        # the partner refused this message for good: HTTP 4xx


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    detail: str = ""


def deliver(endpoint: PartnerEndpoint, message: bytes, *, name: str, settings: ExchangeSettings) -> Attempt:
    """Hand ``message`` to ``endpoint``; ``name`` is the file name in a folder transport. Never raises for
    a transport failure: the attempt says what happened."""
    if endpoint.url.startswith(FOLDER_SCHEME):
        return write_to_folder(Path(endpoint.url[len(FOLDER_SCHEME):]), name, message)
    if not endpoint.url.startswith("https://"):
        return Attempt(Outcome.RETRY, f"partner {endpoint.organ_id}: only https:// or folder: URLs are used")
    if settings.client_cert is None or settings.client_key is None:
        return Attempt(Outcome.RETRY, "exchange.client_cert and exchange.client_key are not configured")
    return _post(endpoint, message, settings)


def _post(endpoint: PartnerEndpoint, message: bytes, settings: ExchangeSettings) -> Attempt:
    with tempfile.TemporaryDirectory(prefix="docflow-exchange-") as folder:
        # requests verifies against a file: the partner's own root only, never the system's store
        roots = Path(folder) / "partner-root.pem"
        roots.write_bytes(endpoint.trust_root_pem)
        try:
            response = requests.post(endpoint.url, data=message, headers={"Content-Type": CONTENT_TYPE},
                                     cert=(str(settings.client_cert), str(settings.client_key)),
                                     verify=str(roots), timeout=settings.timeout_seconds, allow_redirects=False)
        except requests.RequestException as exc:
            return Attempt(Outcome.RETRY, f"{type(exc).__name__}: {exc}"[:2000])
    detail = f"HTTP {response.status_code}: {response.text[:500]}"
    if 200 <= response.status_code < 300:
        return Attempt(Outcome.DELIVERED, detail)
    if 400 <= response.status_code < 500 and response.status_code not in (408, 425, 429):
        return Attempt(Outcome.REFUSED, detail)
    return Attempt(Outcome.RETRY, detail)


def write_to_folder(folder: Path, name: str, data: bytes) -> Attempt:
    """Write ``data`` as ``folder/name`` atomically and durably; a file of that name with the same bytes
    (a repeat after a crash) counts as delivered."""
    if not folder.is_absolute():
        return Attempt(Outcome.RETRY, f"the folder {folder} is not an absolute path")
    target = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if target.exists():
            same = target.read_bytes() == data
            return Attempt(Outcome.DELIVERED if same else Outcome.REFUSED,
                           "already there" if same else f"{target} exists with other bytes")
        write_atomic(target, data)   # whole or nothing, synced, then renamed
    except OSError as exc:
        return Attempt(Outcome.RETRY, f"{target}: {exc.strerror or exc}")
    return Attempt(Outcome.DELIVERED, str(target))
