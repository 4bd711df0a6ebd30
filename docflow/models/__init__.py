"""SQLAlchemy models, one module per aggregate; importing this package registers every table."""

from docflow.models.audit import AuditEvent, AuditHead
from docflow.models.base import Base, utc_now
from docflow.models.documents import (
    Confidentiality,
    Document,
    DocumentGrant,
    DocumentKind,
    DocumentStatus,
    DocumentVersion,
    GrantReason,
    Register,
    RegisterKind,
    Urgency,
)
from docflow.models.organisation import Department, Organisation
from docflow.models.users import LoginThrottle, Role, User

__all__ = [
    "AuditEvent", "AuditHead", "Base", "Confidentiality", "Department", "Document", "DocumentGrant",
    "DocumentKind", "DocumentStatus", "DocumentVersion", "GrantReason", "LoginThrottle", "Organisation",
    "Register", "RegisterKind", "Role", "Urgency", "User", "utc_now",
]
