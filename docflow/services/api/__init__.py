"""The programmatic interface's clients (issue 15 §4): tokens, scopes and the audit of every call.

clients.py: create, list, revoke, find by token, and the audit row of one call.
"""

from docflow.services.api.clients import (
    MAX_EXPIRY_DAYS,
    SCOPES,
    TOKEN_PREFIX,
    NewClient,
    UnauthenticatedError,
    check_usable,
    create_client,
    digest,
    find_client_by_token,
    get_client,
    list_clients,
    parse_scopes,
    record_call,
    refusal_reason,
    revoke_client,
)

__all__ = [
    "MAX_EXPIRY_DAYS", "SCOPES", "TOKEN_PREFIX", "NewClient", "UnauthenticatedError", "check_usable",
    "create_client", "digest", "find_client_by_token", "get_client", "list_clients", "parse_scopes",
    "record_call", "refusal_reason", "revoke_client",
]
