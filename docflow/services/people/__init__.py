"""The people of the ward: accounts, the ward and its departments, sign-in, passwords, the delegation
register, who may take part in a document's flow, and the confirmation of changes of access rights.

``access_changes`` is not re-exported here: confirming a proposal carries it out through the incoming flow
and the documents service, which themselves ask this package who is eligible. Import it as
``from docflow.services.people import access_changes``, so that importing ``people`` stays below the flows.
"""

from docflow.services.people.delegation_rules import Basis, is_deputy_of
from docflow.services.people.delegations import (
    ALL_TYPES,
    DelegationRow,
    DelegationState,
    SigningAuthority,
    authority_from,
    can_sign,
    covers_type,
    create_delegation,
    find_delegation_for,
    get_delegation,
    is_chairman,
    is_vice_chairman,
    list_delegations,
    revoke_delegation,
    signing_mode_for,
    standing_authority,
    state_of,
    type_codes,
)
from docflow.services.people.eligibility import (
    DEPARTMENT_MEMBER_ROLES,
    HANDLER_ROLES,
    REVIEWER_ROLES,
    SIGNER_ROLES,
    active_department,
    department_head,
    department_heads,
    department_members,
    is_active_department,
    is_department_member,
    is_ward_member,
    ward_member,
)
from docflow.services.people.organisation import (
    create_department,
    ensure_organisation,
    find_organisation,
    first_ward,
    get_organisation,
    list_wards,
    list_departments,
    update_department,
)
from docflow.services.people.passwords import MIN_PASSWORD_LENGTH, check_password, common_passwords, fold
from docflow.services.people.signin import (
    PasswordCheckGate,
    SignInOutcome,
    SignInPolicy,
    SignInResult,
    address_key,
    count_failure,
    record_password_change_failure,
    sign_in,
    sign_out,
    throttle_key,
)
from docflow.services.people.users import (
    LOCALES,
    UserInput,
    change_password,
    create_user,
    find_user_by_username,
    get_user,
    hash_password,
    list_users,
    password_matches,
    require_admin,
    set_language,
    set_user_active,
    update_user,
)

__all__ = [
    "Basis", "is_deputy_of",
    "ALL_TYPES", "DEPARTMENT_MEMBER_ROLES", "HANDLER_ROLES", "LOCALES", "MIN_PASSWORD_LENGTH", "REVIEWER_ROLES",
    "SIGNER_ROLES", "DelegationRow", "DelegationState", "PasswordCheckGate", "SignInOutcome", "SignInPolicy",
    "SignInResult", "SigningAuthority", "UserInput", "active_department", "address_key", "authority_from",
    "can_sign", "change_password", "check_password", "common_passwords", "count_failure", "covers_type",
    "create_delegation", "create_department", "create_user", "department_head", "department_heads",
    "department_members", "ensure_organisation", "find_delegation_for", "find_organisation",
    "find_user_by_username", "first_ward", "fold", "get_delegation", "get_organisation", "get_user",
    "hash_password", "list_wards",
    "is_active_department", "is_chairman", "is_department_member", "is_vice_chairman", "is_ward_member",
    "list_delegations", "list_departments", "list_users", "password_matches", "record_password_change_failure",
    "require_admin", "revoke_delegation", "set_language", "set_user_active", "sign_in", "sign_out",
    "signing_mode_for", "standing_authority", "state_of", "throttle_key", "type_codes", "update_department",
    "update_user", "ward_member",
]
