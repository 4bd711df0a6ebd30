"""Accounts: create, update, deactivate, change password; argon2 hashes only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.errors import N_, ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import Organisation, Role, User, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.people.eligibility import active_department
from docflow.services.people.organisation import get_organisation
from docflow.services.people.passwords import check_password

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class UserInput:
    username: str
    full_name: str
    role: Role
    post: str = ""
    department_id: int | None = None
    email: str | None = None


def get_user(session: Session, user_id: int, *, actor: User | None = None) -> User:
    """The user of the ward the work in hand acts for (``actor``'s, else the bound ward: docflow.wards); a user
    of another ward is not found. Raises NotFoundError."""
    user = session.get(User, user_id)
    if user is None or user.organisation_id != _ward_id(session, actor):
        raise NotFoundError(N_("User not found."))
    return user


def _ward_id(session: Session, actor: User | None) -> int:
    if actor is not None:
        return actor.organisation_id
    return get_organisation(session).id


def find_user_by_username(session: Session, username: str) -> User | None:
    stmt = select(User).where(func.lower(User.username) == username.strip().lower())
    return session.execute(stmt).scalar_one_or_none()


def require_admin(actor: User) -> None:
    if not policy.may_administer(actor):
        raise PermissionDeniedError(N_("Only an administrator may do this."))


def _validate(session: Session, organisation: Organisation, data: UserInput) -> None:
    if not data.username.strip() or len(data.username) > 80 or not data.username.isascii() \
            or any(c.isspace() for c in data.username):
        raise ValidationError(N_("The username must be 1–80 ASCII characters without spaces."),
                              field="username")
    if not data.full_name.strip() or len(data.full_name) > 200:
        raise ValidationError(N_("The full name is required (at most 200 characters)."), field="full_name")
    if len(data.post) > 200:
        raise ValidationError(N_("The post is too long (at most 200 characters)."), field="post")
    if data.department_id is not None:
        if active_department(session, organisation.id, data.department_id) is None:
            raise ValidationError(N_("Choose an active department."), field="department_id")
    elif data.role in (Role.OFFICIAL, Role.HEAD):
        raise ValidationError(N_("Officials and department heads must belong to a department."),
                              field="department_id")


def create_user(session: Session, *, actor: User | None, organisation: Organisation, data: UserInput,
                password: str, now: datetime | None = None) -> User:
    """Create an account. ``actor`` None means the command line. Raises ValidationError, ConflictError,
    PermissionDeniedError. Flushes."""
    if actor is not None:
        require_admin(actor)
    _validate(session, organisation, data)
    check_password(password, username=data.username, full_name=data.full_name,
                   organisation_name=organisation.name)
    if find_user_by_username(session, data.username) is not None:
        raise ConflictError(N_("The username %(username)s is already taken."), username=data.username)
    user = User(organisation=organisation, username=data.username.strip(), full_name=data.full_name.strip(),
                role=data.role, post=data.post.strip(), department_id=data.department_id,
                email=data.email, password_hash=hash_password(password), is_active=True,
                created_at=now or utc_now(), password_changed_at=now or utc_now())
    session.add(user)
    session.flush()
    audit.record(session, action=AuditAction.USER_CREATED, actor=actor, object_type="user",
                 object_id=user.id, now=now,
                 details={"username": user.username, "role": user.role.value, "post": user.post,
                          "department_id": user.department_id})
    return user


def update_user(session: Session, *, actor: User, user_id: int, role: Role, post: str,
                department_id: int | None, full_name: str, now: datetime | None = None) -> User:
    """Change a user's role, post, department or name (admin only). Flushes; audits the before/after."""
    require_admin(actor)
    user = get_user(session, user_id, actor=actor)
    data = UserInput(username=user.username, full_name=full_name, role=role, post=post,
                     department_id=department_id)
    _validate(session, user.organisation, data)
    if user.id == actor.id and role is not Role.ADMIN:
        raise ValidationError(N_("You cannot remove your own administrator role."), field="role")
    before = {"role": user.role.value, "post": user.post, "department_id": user.department_id,
              "full_name": user.full_name}
    user.role, user.post, user.department_id, user.full_name = role, post.strip(), department_id, \
        full_name.strip()
    after = {"role": user.role.value, "post": user.post, "department_id": user.department_id,
             "full_name": user.full_name}
    changed = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
    if changed:
        audit.record(session, action=AuditAction.USER_UPDATED, actor=actor, object_type="user",
                     object_id=user.id, details={"changes": changed}, now=now)
    session.flush()
    return user


def set_user_active(session: Session, *, actor: User | None, user_id: int, active: bool,
                    now: datetime | None = None) -> User:
    """Deactivate or reactivate an account; an inactive user cannot sign in. Flushes."""
    if actor is not None:
        require_admin(actor)
    user = get_user(session, user_id, actor=actor)
    if actor is not None and user.id == actor.id and not active:
        raise ValidationError(N_("You cannot deactivate your own account."))
    if user.is_active == active:
        return user
    user.is_active = active
    user.end_sessions()
    audit.record(session, action=AuditAction.USER_REACTIVATED if active else AuditAction.USER_DEACTIVATED,
                 actor=actor, object_type="user", object_id=user.id,
                 details={"username": user.username}, now=now)
    session.flush()
    return user


def change_password(session: Session, *, actor: User, current_password: str, new_password: str,
                    now: datetime | None = None) -> None:
    """A user changes their own password after proving the current one. Flushes."""
    if not password_matches(actor.password_hash, current_password):
        raise ValidationError(N_("The current password is not correct."), field="current_password")
    check_password(new_password, username=actor.username, full_name=actor.full_name,
                   organisation_name=actor.organisation.name)
    if current_password == new_password:
        raise ValidationError(N_("The new password must differ from the current one."), field="new_password")
    actor.password_hash = hash_password(new_password)
    actor.password_changed_at = now or utc_now()
    actor.end_sessions()
    audit.record(session, action=AuditAction.USER_PASSWORD_CHANGED, actor=actor, object_type="user",
                 object_id=actor.id, now=now)
    session.flush()


LOCALES = ("vi", "en")


def set_language(session: Session, *, actor: User, locale: str, now: datetime | None = None) -> None:
    """Remember the user's interface language. Raises ValidationError for an unknown one. Flushes."""
    if locale not in LOCALES:
        raise ValidationError(N_("Choose Vietnamese or English."), field="locale")
    if actor.locale == locale:
        return
    audit.record(session, action=AuditAction.USER_LANGUAGE_CHANGED, actor=actor, object_type="user",
                 object_id=actor.id, details={"from": actor.locale, "to": locale}, now=now)
    actor.locale = locale
    session.flush()


def list_users(session: Session) -> list[User]:
    """The users of the ward the work in hand acts for (docflow.wards)."""
    return list(session.execute(select(User).where(User.organisation_id == _ward_id(session, None))
                                .order_by(User.is_active.desc(), User.full_name)).scalars())
