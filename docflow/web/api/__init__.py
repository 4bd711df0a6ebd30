"""The versioned REST API (/api/v1, issue 15 §4) and the administrator's screen of its clients.

base.py: the blueprint, bearer tokens, scopes, rate limits and the audit of every call; documents.py,
registers.py, incoming.py, outgoing.py (and exchange status), verify.py, search.py: the resources;
openapi.py and schemas.py: the OpenAPI document; admin.py: the clients' screen."""

from docflow.web.api import documents, incoming, openapi, outgoing, registers, search, verify
from docflow.web.api.admin import bp as admin_bp
from docflow.web.api.admin import mine_bp
from docflow.web.api.base import bp

ROUTES = (documents, incoming, openapi, outgoing, registers, search, verify)

__all__ = ["ROUTES", "admin_bp", "bp", "mine_bp"]
