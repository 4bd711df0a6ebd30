"""Every permission question docflow asks, in one package: nothing here imports the services, the database
session or Flask, and the services ask it before they change anything.

- ``signatures``: who may put which signature on what (the signature table, DESIGN.md §3);
- ``states``: which moves of a document's state go forward;
- ``access``: who may see and change which document (and the SQL form of "see", for lists);
- ``roles``: what a user may do anywhere (register, direct, draft, read the audit log, administer ...), and
  ``permissions_for(user)``, the frozen answers every template gets as ``perms``;
- ``records``: who prepares and approves the file plan, keeps, closes and reopens files (hồ sơ);
- ``documents``: what a user may do with one document now, ``document_permissions(user, document, step)``,
  which a document page's view hands to its template.

Templates test these answers, never a role.
"""

from docflow.policy.access import can_edit, can_upload, can_view, visible_filter
from docflow.policy.documents import DocumentPermissions, document_permissions, is_step_holder
from docflow.policy.records import (
    FILE_HANDLER_ROLES,
    may_approve_plan,
    may_keep_file,
    may_prepare_heading,
    may_prepare_plan,
    may_read_appraisal,
    may_read_records,
    may_reopen_file,
    may_transfer_records,
)
from docflow.policy.roles import (
    NOBODY,
    Permissions,
    may_administer,
    may_administer_province,
    may_change_anything,
    may_comment,
    may_confirm_access_changes,
    may_delegate_for_others,
    may_direct,
    may_draft,
    may_list_delegations,
    may_manage_delegations,
    may_read_access_changes,
    may_read_audit_log,
    may_read_registers,
    may_read_renewals,
    may_recall,
    may_import,
    may_register_incoming,
    may_renew_signatures,
    may_revoke_delegation,
    may_sign_batches,
    may_verify_uploads,
    may_write_memo,
    permissions_for,
)
from docflow.policy.signatures import (
    FINAL,
    FINISHED,
    FORM_ORDER,
    MAY_NOT,
    NOT_HERE,
    NOT_NOW,
    ON_ROUTE,
    RECEIVED,
    SIGNATURE_TABLE,
    SignatureRule,
    Via,
    allowed_kinds,
    kinds_of_role,
    may_apply,
    require_signature,
    signature_allowed,
)
from docflow.policy.states import FORWARD, ROUTE_OPEN, ROUTE_RESTARTS, is_forward, move_status

__all__ = [
    "FINAL", "FINISHED", "FORM_ORDER", "FORWARD", "MAY_NOT", "NOBODY", "NOT_HERE", "NOT_NOW", "ON_ROUTE",
    "RECEIVED", "ROUTE_OPEN", "ROUTE_RESTARTS", "SIGNATURE_TABLE",
    "DocumentPermissions", "Permissions", "SignatureRule", "Via",
    "FILE_HANDLER_ROLES", "may_approve_plan", "may_keep_file", "may_prepare_heading", "may_prepare_plan", "may_read_appraisal",
    "may_read_records", "may_reopen_file", "may_transfer_records",
    "allowed_kinds", "can_edit", "can_upload", "can_view", "document_permissions", "is_forward", "is_step_holder",
    "kinds_of_role", "may_administer", "may_administer_province", "may_apply", "may_change_anything", "may_comment",
    "may_confirm_access_changes",
    "may_delegate_for_others", "may_direct", "may_draft", "may_list_delegations", "may_manage_delegations",
    "may_read_access_changes", "may_read_audit_log", "may_read_registers", "may_read_renewals", "may_recall",
    "may_import", "may_register_incoming", "may_renew_signatures",
    "may_revoke_delegation", "may_sign_batches", "may_verify_uploads", "may_write_memo", "move_status", "permissions_for",
    "require_signature", "signature_allowed", "visible_filter",
]
