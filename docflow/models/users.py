"""Users, their roles, and the failed sign-in throttles."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docflow.models.base import Base, str_enum, utc_now
from docflow.models.organisation import Department, Organisation


class Role(enum.StrEnum):
    CLERK = "clerk"
    OFFICIAL = "official"
    HEAD = "head"
    LEADER = "leader"
    AUDITOR = "auditor"
    ADMIN = "admin"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    post: Mapped[str] = mapped_column(String(200), default="")  # chức vụ, e.g. "Phó Chủ tịch"
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    # The province administrator (issue 16): an admin who also creates wards and their first administrators.
    province_admin: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    password_changed_at: Mapped[datetime] = mapped_column(default=utc_now)
    # Part of every session's identity: raising it ends all of the user's sessions (sign-out,
    # password change, deactivation), because signed cookies cannot be revoked one by one.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # The user's own handwritten signature (a PNG in the content store), drawn into visible signatures.
    signature_image_sha256: Mapped[str | None] = mapped_column(String(64))

    organisation: Mapped[Organisation] = relationship()
    department: Mapped[Department | None] = relationship(back_populates="members")

    # flask-login protocol, kept here so the model needs no Flask import
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}.{self.session_stamp}"

    @property
    def session_stamp(self) -> str:
        return str(self.session_epoch)

    def end_sessions(self) -> None:
        self.session_epoch += 1

    @property
    def sees_everything(self) -> bool:
        """Leaders, clerks, admins and auditors see every non-confidential document."""
        return self.role in (Role.LEADER, Role.CLERK, Role.ADMIN, Role.AUDITOR)

    @property
    def is_read_only(self) -> bool:
        return self.role is Role.AUDITOR


class ThrottleKind(enum.StrEnum):
    USERNAME = "username"
    ADDRESS = "address"


class LoginThrottle(Base):
    """Failed sign-ins counted per username (growing waits, cleared by a success) and per client address
    (a ceiling per time window). Kept in the database so every app process sees the same counts."""

    __tablename__ = "login_throttles"
    __table_args__ = (UniqueConstraint("organisation_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[ThrottleKind] = mapped_column(str_enum(ThrottleKind))
    # A digest of the username or address: the table must not become a list of mistyped passwords.
    key: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    first_failed_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_failed_at: Mapped[datetime] = mapped_column(default=utc_now)
    # No attempt is checked before this time (the username's growing wait, or the address's window end).
    next_attempt_at: Mapped[datetime | None]
