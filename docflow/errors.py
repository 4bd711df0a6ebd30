"""Errors with a user-safe message; the web layer maps each class to an HTTP status.

``message`` is an English msgid (marked with ``N_`` so Babel extracts it) with ``%(name)s`` placeholders
filled from ``params``; the web layer translates it into the user's language.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a string for translation without translating it (services do not know the locale)."""
    return message


class DocflowError(Exception):
    """Base class: ``message`` is safe to show to the user."""

    status_code = 500

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


class NotFoundError(DocflowError):
    status_code = 404


class PermissionDeniedError(DocflowError):
    status_code = 403


class InvalidTransitionError(DocflowError):
    status_code = 409


class WrongKindError(InvalidTransitionError):
    """The action does not apply to this kind of document (directing an outgoing one, issuing an incoming
    one, a reply that is not outgoing): every flow raises this one class for it."""


class ConflictError(DocflowError):
    status_code = 409


class ValidationError(DocflowError):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.field = field


class RateLimitedError(DocflowError):
    """Too many requests; ``retry_after`` (seconds) becomes the answer's Retry-After header."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.retry_after = retry_after


class StorageError(DocflowError):
    status_code = 500


class ConfigurationError(DocflowError):
    """Raised at startup only: docflow refuses to run with this configuration."""


class SigningError(DocflowError):
    """Signing was refused for a reason the user can act on (the message says which)."""
    status_code = 422


class WrongPinError(SigningError):
    """The PIN does not open the signing key. Never carries the PIN."""


class CertificateError(SigningError):
    """The signing certificate cannot be used: expired, not yet valid, revoked, wrong key usage, or not the actor's."""


class UnreadablePdfError(ValidationError):
    """The input is not a PDF docflow can read (not a PDF, truncated, malformed, too deep, too slow)."""


class KeyLockedError(SigningError):
    """Too many wrong PINs in a row: the key refuses every PIN, the right one included, for a while."""
    status_code = 423
