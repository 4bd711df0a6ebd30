"""API clients: made for one user of the ward with scopes and an optional expiry, their token shown once and
kept only as a SHA-256, revoked; and a presented token turned back into its client.

Why SHA-256 and not argon2 as for passwords: a token is 256 random bits, not something a person chose, so no
dictionary or brute force can reach it and a slow hash would add nothing but cost on every call; a plain digest
also lets one indexed look-up find the client."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from docflow import policy
from docflow.errors import N_, DocflowError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import ApiClient, User, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction

TOKEN_PREFIX = "dfk_"
# What a client may be allowed to do; a call needs its route's scope and the user's own permission as well.
SCOPES: dict[str, str] = {
    "documents:read": N_("Read documents, their versions and files"),
    "registers:read": N_("Read the registers"),
    "incoming:write": N_("Register incoming documents"),
    "outgoing:read": N_("Read outgoing documents' state and recipients"),
    "verify": N_("Verify the signatures of a PDF"),
    "search": N_("Search documents"),
    "exchange:read": N_("Read the exchange status of recipients"),
}
MAX_EXPIRY_DAYS = 3650


class UnauthenticatedError(DocflowError):
    """No usable bearer token: missing, unknown, expired, revoked, or its user deactivated (401)."""
    status_code = 401


@dataclass(frozen=True)
class NewClient:
    client: ApiClient
    token: str          # shown once to whoever made the client; never stored, logged or audited


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_scopes(raw: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The scopes named (space- or comma-separated), each known. Raises ValidationError."""
    names = raw.replace(",", " ").split() if isinstance(raw, str) else [s.strip() for s in raw]
    unknown = [name for name in names if name not in SCOPES]
    if unknown:
        raise ValidationError(N_("Unknown scope: %(scope)s."), field="scopes", scope=unknown[0])
    if not names:
        raise ValidationError(N_("Choose at least one scope."), field="scopes")
    return tuple(sorted(set(names)))


def create_client(session: Session, *, actor: User | None, user: User, name: str, scopes: tuple[str, ...],
                  expires_days: int | None, now: datetime | None = None) -> NewClient:
    """A client acting as ``user`` with a fresh token (returned once). On the screens a person makes clients for
    themself only: a client made for someone else would let its maker read and act as that person, under that
    person's name in the audit log. ``actor`` None is the operator's command line (who holds the server already).
    Raises PermissionDeniedError (someone else's client), ValidationError. Flushes."""
    now = now or utc_now()
    if actor is not None and actor.id != user.id:
        raise PermissionDeniedError(N_("An API client acts for the person who makes it: %(name)s makes their own "
                                       "on their page My API clients."), name=user.full_name)
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationError(N_("Give the client a name of at most 200 characters."), field="name")
    if not user.is_active:
        raise ValidationError(N_("A deactivated account cannot have an API client."), field="user")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise ValidationError(N_("The token's lifetime must be from 1 to %(max)s days."), field="expires_days",
                              max=MAX_EXPIRY_DAYS)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)          # 256 random bits
    client = ApiClient(organisation_id=user.organisation_id, user=user, name=name, scopes=" ".join(scopes),
                       token_sha256=digest(token), token_hint=token[:10], created_at=now,
                       created_by_id=actor.id if actor else None,
                       expires_at=now + timedelta(days=expires_days) if expires_days else None)
    session.add(client)
    session.flush()
    audit.record(session, action=AuditAction.API_CLIENT_CREATED, actor=actor, object_type="api_client",
                 object_id=client.id, details={"name": name, "user": user.username, "scopes": list(scopes),
                                               "expires_at": client.expires_at}, now=now)
    return NewClient(client=client, token=token)


def list_clients(session: Session, *, organisation_id: int, user_id: int | None = None) -> list[ApiClient]:
    """The ward's clients (or one person's), newest first."""
    stmt = select(ApiClient).where(ApiClient.organisation_id == organisation_id)
    if user_id is not None:
        stmt = stmt.where(ApiClient.user_id == user_id)
    return list(session.execute(stmt.options(selectinload(ApiClient.user)).order_by(ApiClient.id.desc())).scalars())


def get_client(session: Session, *, organisation_id: int, client_id: int) -> ApiClient:
    client = session.get(ApiClient, client_id)
    if client is None or client.organisation_id != organisation_id:
        raise NotFoundError(N_("API client not found."))
    return client


def revoke_client(session: Session, *, actor: User | None, organisation_id: int, client_id: int,
                  now: datetime | None = None) -> ApiClient:
    """Revoke the client's token at once (its own person or an administrator). Raises PermissionDeniedError,
    NotFoundError, ValidationError (revoked already). Flushes."""
    now = now or utc_now()
    client = get_client(session, organisation_id=organisation_id, client_id=client_id)
    if actor is not None and not policy.may_administer(actor) and client.user_id != actor.id:
        raise PermissionDeniedError(N_("Only the client's own person or an administrator revokes an API client."))
    if client.revoked_at is not None:
        raise ValidationError(N_("This API client is revoked already."))
    client.revoked_at = now
    session.flush()
    audit.record(session, action=AuditAction.API_CLIENT_REVOKED, actor=actor, object_type="api_client",
                 object_id=client.id, details={"name": client.name}, now=now)
    return client


def find_client_by_token(session: Session, token: str) -> ApiClient | None:
    """The client whose token this is, usable or not (None for a token docflow never made)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    return session.execute(select(ApiClient).where(ApiClient.token_sha256 == digest(token))
                           .options(selectinload(ApiClient.user))).scalar_one_or_none()


def check_usable(client: ApiClient | None, *, now: datetime) -> ApiClient:
    """The client when its token may be used now. Raises UnauthenticatedError, which never says whether the
    token was unknown, expired or revoked (the audit row of a known client says which)."""
    if client is None or not client.is_usable(now) or not client.user.is_active:
        raise UnauthenticatedError(N_("The API token is missing, unknown, expired or revoked."))
    return client


def refusal_reason(client: ApiClient, *, now: datetime) -> str:
    """Why a known client's token was refused, for its audit row."""
    if client.revoked_at is not None:
        return "revoked"
    if client.expires_at is not None and client.expires_at <= now:
        return "expired"
    return "user_inactive" if not client.user.is_active else ""


def record_call(session: Session, *, client: ApiClient, method: str, path: str, status: int,
                now: datetime | None = None, refused: str = "") -> None:
    """One audit row for one call: the client, the method, the route's path template and the status. Never
    the token, the query string or the body. Flushes."""
    details: dict[str, object] = {"client_id": client.id, "client": client.name, "method": method,
                                  "path": path, "status": status}
    if refused:
        details["refused"] = refused
    audit.record(session, action=AuditAction.API_CALLED, actor=client.user, object_type="api_client",
                 object_id=client.id, details=details, now=now)
