"""Signed checkpoints of the audit chain: every N events or M minutes, and on demand.

An automatic checkpoint is made inside the transaction of the event that crosses a threshold ([audit]
checkpoint_every_events / checkpoint_every_minutes), while that event's writer holds the chain lock: the
checkpoint signs exactly the head that transaction commits, never a head that could still roll back, and two
writers can never sign the same sequence number (the seq is also unique in the table). Signing with the
system key costs a few milliseconds once per N events; the development TSA is in-process. A failure to sign
(no system key, a TSA down) never fails the event: it is logged and the next event tries again.

Each ward's chain is signed by that ward's own system key (the valid system certificate of the ward), and
each ward's checkpoint schedule runs on its own head.

The system key (`docflow keys issue --system`) is a PKCS#12 file encrypted under the CA passphrase
(signing.ca_passphrase_env, or var/ca_passphrase in development), so no person types a PIN for it.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.auditlog.checkpoints import Trust, sign_checkpoint
from docflow.config import Settings
from docflow.errors import ConfigurationError
from docflow.models import AuditCheckpoint, AuditHead, Certificate, CertificateStatus, Organisation, utc_now
from docflow.services import keys as key_service
from docflow.services.audit.log import CHECKPOINTER, chain_ward, lock_chain
from docflow.signing.base import CertificateKind
from docflow.signing.keys import SigningKey, load_pkcs12
from docflow.signing.timestamp import timestamper_for

if TYPE_CHECKING:
    from pyhanko.sign.timestamps import TimeStamper

log = logging.getLogger(__name__)
# After finding no usable system key, look again only after this long (every event would ask otherwise).
MISSING_KEY_RETRY_SECONDS = 60.0


class Checkpointer:
    """Decides when a ward's chain head is due for a checkpoint and signs it with that ward's system key
    (opened once per process and kept). One per app, shared by its sessions through ``session.info``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._keys: dict[int, tuple[str, SigningKey]] = {}        # ward -> (certificate sha256, key)
        self._missing_until: dict[int, float] = {}
        self._lock = threading.Lock()

    def due(self, head: AuditHead, now: datetime) -> bool:
        audit = self.settings.audit
        if head.seq <= head.checkpoint_seq:
            return False
        if audit.checkpoint_every_events and head.seq - head.checkpoint_seq >= audit.checkpoint_every_events:
            return True
        if audit.checkpoint_every_minutes:
            return head.checkpoint_at is None or now - head.checkpoint_at >= timedelta(
                minutes=audit.checkpoint_every_minutes)
        return False

    def after_event(self, session: Session, head: AuditHead, now: datetime) -> None:
        """Called by ``audit.record`` with the ward's chain lock held: sign the head if a checkpoint is due."""
        if not self.due(head, now):
            return
        try:
            key = self.signing_key(session, head.organisation_id)
            if key is not None:
                make_checkpoint(session, head, key=key, timestamper=self.timestamper(), now=now)
        except Exception as exc:  # noqa: BLE001 - never block work for a checkpoint; logged, retried
            log.warning("audit checkpoint at event %s not made: %s", head.seq, type(exc).__name__)

    def signing_key(self, session: Session, organisation_id: int | None = None) -> SigningKey | None:
        """The ward's current system key (``organisation_id``, else the ward the work in hand acts for), or
        None when the ward has no valid system certificate. Raises SigningError, WrongPinError or
        ConfigurationError when the key file cannot be opened."""
        organisation_id = chain_ward(session, organisation_id)
        if time.monotonic() < self._missing_until.get(organisation_id, 0.0):
            return None
        cert = current_system_certificate(session, organisation_id)
        if cert is None or cert.key_path is None:
            self._missing_until[organisation_id] = time.monotonic() + MISSING_KEY_RETRY_SECONDS
            return None
        with self._lock:
            known = self._keys.get(organisation_id)
            if known is None or known[0] != cert.sha256:
                key = load_pkcs12(self.settings.app.keys_dir / cert.key_path, system_key_passphrase(self.settings))
                if key.sha256 != cert.sha256:
                    raise ConfigurationError("the system key file does not match the system certificate on record")
                known = self._keys[organisation_id] = (cert.sha256, key)
            return known[1]

    def look_again(self, organisation_id: int) -> None:
        """Ask the database for the ward's system certificate on the next event even if it was missing a
        moment ago (someone asks for a checkpoint now)."""
        self._missing_until.pop(organisation_id, None)

    def timestamper(self) -> TimeStamper | None:
        """The configured TSA, else the development CA's; None when there is neither."""
        signing = self.settings.signing
        if signing.tsa_url:
            return timestamper_for(signing.tsa_url, None)
        if signing.ca == "development" and (key_service.ca_directory(self.settings) / "root.pem").exists():
            return timestamper_for(None, key_service.open_ca(self.settings))
        return None


def system_key_passphrase(settings: Settings) -> str:
    """The system key's PKCS#12 passphrase: the CA passphrase (environment, or var/ca_passphrase)."""
    return key_service.ca_passphrase(settings).decode("utf-8")


def current_system_certificate(session: Session, organisation_id: int | None = None) -> Certificate | None:
    """The ward's valid system certificate, the newest (``organisation_id``, else the ward the work in hand
    acts for)."""
    stmt = (select(Certificate).where(Certificate.organisation_id == chain_ward(session, organisation_id),
                                      Certificate.kind == CertificateKind.SYSTEM,
                                      Certificate.status == CertificateStatus.VALID)
            .order_by(Certificate.id.desc()).limit(1))
    return session.execute(stmt).scalar_one_or_none()


def make_checkpoint(session: Session, head: AuditHead, *, key: SigningKey, timestamper: TimeStamper | None,
                    now: datetime) -> AuditCheckpoint:
    """Sign ``head`` (a ward's, locked by the caller) and store the checkpoint. A TSA that fails leaves the
    checkpoint without a timestamp rather than without a signature. Flushes."""
    organisation = session.execute(select(Organisation.name)
                                   .where(Organisation.id == head.organisation_id)).scalar() or ""
    fields: dict[str, Any] = {"seq": head.seq, "hash": head.hash, "created_at": now, "organisation": organisation}
    try:
        cp = sign_checkpoint(key, timestamper=timestamper, **fields)
    except Exception as exc:  # noqa: BLE001 - the TSA is optional; the signature is not
        if timestamper is None:
            raise
        log.warning("audit checkpoint at event %s has no timestamp: %s", head.seq, type(exc).__name__)
        cp = sign_checkpoint(key, timestamper=None, **fields)
    row = AuditCheckpoint(organisation_id=head.organisation_id, seq=cp.seq, hash=cp.hash, created_at=cp.created_at,
                          organisation=cp.organisation,
                          signature=cp.signature, certificate=cp.certificate, timestamp_token=cp.timestamp_token)
    session.add(row)
    head.checkpoint_seq, head.checkpoint_at = head.seq, now
    session.flush()
    return row


def create_checkpoint(session: Session, *, checkpointer: Checkpointer, now: datetime | None = None,
                      organisation_id: int | None = None) -> AuditCheckpoint | None:
    """Sign the current head of a ward's chain now (``organisation_id``, else the ward the work in hand acts
    for; ``docflow audit checkpoint``). Returns the checkpoint (the existing one if the head is already
    signed), or None for an empty chain. Raises ConfigurationError when the ward has no system key. Flushes."""
    now = now or utc_now()
    ward = chain_ward(session, organisation_id)
    head = lock_chain(session, ward)
    if head.seq == 0:
        return None
    existing = session.execute(select(AuditCheckpoint).where(AuditCheckpoint.organisation_id == ward,
                                                             AuditCheckpoint.seq == head.seq)).scalar_one_or_none()
    if existing is not None:
        return existing
    checkpointer.look_again(ward)
    key = checkpointer.signing_key(session, ward)
    if key is None:
        raise ConfigurationError("there is no system certificate to sign checkpoints: run "
                                 "`docflow keys issue --system`")
    return make_checkpoint(session, head, key=key, timestamper=checkpointer.timestamper(), now=now)


def ca_chain_pem(settings: Settings) -> list[bytes]:
    """The CA certificates above the system certificate (configured chain, or the development CA's)."""
    chain = [path.read_bytes() for path in settings.signing.ca_chain]
    directory = key_service.ca_directory(settings)
    if settings.signing.ca == "development":
        chain += [(directory / name).read_bytes() for name in ("issuing.pem", "root.pem")
                  if (directory / name).exists()]
    return chain


def ca_crls(settings: Settings) -> list[bytes]:
    """The development CA's CRLs (DER); a production CA's are not held by docflow."""
    directory = key_service.ca_directory(settings)
    if settings.signing.ca != "development":
        return []
    return [(directory / name).read_bytes() for name in ("issuing.crl", "root.crl") if (directory / name).exists()]


def trust_for(settings: Settings) -> Trust:
    """The ward's trust roots, CA chain and (development CA) CRLs, for ``audit.verify_chain``."""
    return Trust(key_service.root_certificates_pem(settings), intermediates=ca_chain_pem(settings),
                 crls=ca_crls(settings))


def install(sessionmaker: Any, settings: Settings) -> None:
    """Give every session of ``sessionmaker`` the app's checkpointer (called by the app factory)."""
    info = dict(sessionmaker.kw.get("info") or {})
    info[CHECKPOINTER] = Checkpointer(settings)
    sessionmaker.configure(info=info)


def checkpointer_of(session: Session) -> Checkpointer | None:
    checkpointer: Checkpointer | None = session.info.get(CHECKPOINTER)
    return checkpointer
