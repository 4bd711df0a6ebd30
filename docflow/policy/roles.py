"""What a user may do anywhere in the ward, whatever the document: the questions a menu, a home page or a
service's first guard asks of the user's role.

``permissions_for`` answers them all at once as a frozen ``Permissions`` value, which the web layer hands to
every template as ``perms``; templates test those answers, never a role. The services ask the same functions,
so a link shows exactly when the service behind it would accept the user.
"""

from __future__ import annotations

from dataclasses import dataclass

from docflow.models import Delegation, Role, User
from docflow.policy.access import can_upload
from docflow.policy.records import may_read_records
from docflow.policy.reports import may_read_figures
from docflow.policy.signatures import may_apply
from docflow.signing.base import SignatureKind

REGISTER_READERS = frozenset({Role.CLERK, Role.LEADER, Role.AUDITOR, Role.ADMIN})
DELEGATION_READERS = frozenset({Role.LEADER, Role.ADMIN, Role.AUDITOR})
DELEGATION_MANAGERS = frozenset({Role.LEADER, Role.ADMIN})
AUDIT_READERS = frozenset({Role.AUDITOR, Role.ADMIN})
MEMO_WRITERS = frozenset({Role.HEAD, Role.LEADER})
RECALLERS = frozenset({Role.LEADER, Role.CLERK})
# The clerk keeps the ward's records (Decree 30, Chapter IV) and the administrator the system: either renews
# the issued documents' signatures; the auditor reads what each run did.
RENEWERS = frozenset({Role.CLERK, Role.ADMIN})
RENEWAL_READERS = frozenset({Role.CLERK, Role.AUDITOR, Role.ADMIN})


def _is(user: User, *roles: Role) -> bool:
    return user.is_active and user.role in roles


def may_register_incoming(user: User) -> bool:
    """The clerk (văn thư) registers what arrives from other bodies."""
    return _is(user, Role.CLERK)


def may_import(user: User) -> bool:
    """Documents of the previous system are entered in the registers and files by the clerk (văn thư), who
    registers and keeps them (Decree 30, Art. 22.1 and Chapter IV; R2): `docflow import --user`."""
    return _is(user, Role.CLERK)


def may_direct(user: User) -> bool:
    """A leader directs a registered incoming document to departments and people."""
    return _is(user, Role.LEADER)


def may_write_memo(user: User) -> bool:
    """Department heads and leaders send internal memos to other departments."""
    return _is(user, *MEMO_WRITERS)


def may_draft(user: User) -> bool:
    """Anyone who may change anything starts an outgoing draft; an auditor only reads."""
    return can_upload(user) and user.role is not Role.AUDITOR


def may_comment(user: User) -> bool:
    return user.is_active and not user.is_read_only


def may_sign_batches(user: User) -> bool:
    """Batch signing is personal signing of many documents in one sitting."""
    return may_apply(user, SignatureKind.PERSONAL)


def may_recall(user: User) -> bool:
    """Leaders and the clerk recall or replace an issued document."""
    return _is(user, *RECALLERS)


def may_read_registers(user: User) -> bool:
    """Clerks keep the registers; leaders and auditors read them (auditors only read); admins too."""
    return _is(user, *REGISTER_READERS)


def may_list_delegations(user: User) -> bool:
    return _is(user, *DELEGATION_READERS)


def may_manage_delegations(user: User) -> bool:
    """Leaders record their own delegations; administrators record any."""
    return _is(user, *DELEGATION_MANAGERS)


def may_delegate_for_others(user: User) -> bool:
    """Whether the delegator is chosen (an administrator) or is always the user himself (a leader)."""
    return may_manage_delegations(user) and user.role is Role.ADMIN


def may_revoke_delegation(user: User, delegation: Delegation) -> bool:
    """The person who delegated (or recorded the delegation), or an administrator."""
    return may_manage_delegations(user) and (
        user.role is Role.ADMIN or user.id in (delegation.delegator_id, delegation.created_by_id))


def may_confirm_access_changes(user: User) -> bool:
    """Only the chairman and the vice-chairmen (role leader) confirm changes of access rights."""
    return _is(user, Role.LEADER)


def may_read_access_changes(user: User) -> bool:
    return may_confirm_access_changes(user) or _is(user, *AUDIT_READERS)


def may_read_audit_log(user: User) -> bool:
    """Auditors and administrators read the audit log, check signature chains and build evidence packs."""
    return _is(user, *AUDIT_READERS)


def may_administer(user: User) -> bool:
    """Users, departments, certificates and signing keys are the administrator's."""
    return _is(user, Role.ADMIN)


def may_administer_province(user: User | None) -> bool:
    """Creating wards and their first administrators is the province administrator's: an active administrator
    marked ``province_admin`` (`docflow wards admin USERNAME`). Any other administrator manages one ward."""
    return bool(user is not None and _is(user, Role.ADMIN) and user.province_admin)


def may_change_anything(user: User) -> bool:
    """Auditors only read: a request that would change something is refused them before any view runs, except
    the few the audit screens name (signing in and out, verifying)."""
    return user.is_active and not user.is_read_only


def may_verify_uploads(user: User) -> bool:
    """Anyone but the administrator checks an uploaded PDF's signatures: the administrator's screens are the
    accounts and keys, not documents."""
    return user.is_active and user.role is not Role.ADMIN


def may_renew_signatures(user: User) -> bool:
    """The clerk or the administrator runs the long-term (B-LTA) renewal of the ward's issued documents."""
    return _is(user, *RENEWERS)


def may_read_renewals(user: User) -> bool:
    """The renewal runs and their reports: the clerk, the auditor and the administrator."""
    return _is(user, *RENEWAL_READERS)


@dataclass(frozen=True)
class Permissions:
    """A signed-in user's answers to every global question, for menus and page headers. ``role`` is there to be
    shown (the user's name and role in the menu), not tested."""
    role: Role | None = None
    register_incoming: bool = False
    direct: bool = False
    write_memo: bool = False
    draft: bool = False
    upload: bool = False
    comment: bool = False
    sign_batches: bool = False
    recall: bool = False
    read_registers: bool = False
    list_delegations: bool = False
    manage_delegations: bool = False
    delegate_for_others: bool = False
    confirm_access_changes: bool = False
    read_access_changes: bool = False
    read_audit_log: bool = False
    administer: bool = False
    verify_uploads: bool = False
    read_figures: bool = False
    read_records: bool = False
    renew_signatures: bool = False
    read_renewals: bool = False
    administer_province: bool = False


NOBODY = Permissions()


def permissions_for(user: User | None) -> Permissions:
    """Every global answer for ``user``; nothing for no user (a page shown before sign-in)."""
    if user is None:
        return NOBODY
    return Permissions(
        role=user.role, register_incoming=may_register_incoming(user), direct=may_direct(user),
        write_memo=may_write_memo(user), draft=may_draft(user), upload=can_upload(user),
        comment=may_comment(user), sign_batches=may_sign_batches(user), recall=may_recall(user),
        read_registers=may_read_registers(user), list_delegations=may_list_delegations(user),
        manage_delegations=may_manage_delegations(user), delegate_for_others=may_delegate_for_others(user),
        confirm_access_changes=may_confirm_access_changes(user), read_access_changes=may_read_access_changes(user),
        read_audit_log=may_read_audit_log(user), administer=may_administer(user),
        verify_uploads=may_verify_uploads(user), read_figures=may_read_figures(user),
        read_records=may_read_records(user), renew_signatures=may_renew_signatures(user),
        read_renewals=may_read_renewals(user), administer_province=may_administer_province(user))
