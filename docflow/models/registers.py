"""A ward's number series (sổ đăng ký with more than one series, Decree 30, Art. 15), each series' counter
in a year's register, and the signed printout that closes a register's year (đóng sổ)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docflow.models.base import Base, str_enum, utc_now
from docflow.models.documents import Register, RegisterKind
from docflow.models.users import User


class SeriesRule(enum.StrEnum):
    """Which documents a series numbers (Decree 30, Art. 15.1: secret documents have their own series;
    legal normative documents one per type; the head of the body sets the rest)."""
    SECRET = "secret"        # every confidential document (Mật, Tối mật, Tuyệt mật)
    DOC_TYPE = "doc_type"    # every document of one type


class RegisterSeries(Base):
    """A series configured for the ward; without any, a register has its one default series ("")."""

    __tablename__ = "register_series"
    __table_args__ = (UniqueConstraint("organisation_id", "register_kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    register_kind: Mapped[RegisterKind] = mapped_column(str_enum(RegisterKind))
    code: Mapped[str] = mapped_column(String(20))        # stored in documents.series
    name: Mapped[str] = mapped_column(String(200))
    rule: Mapped[SeriesRule] = mapped_column(str_enum(SeriesRule))
    doc_type: Mapped[str] = mapped_column(String(30), default="", server_default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class RegisterCounter(Base):
    """The last number of one series (other than the default, whose counter is registers.last_number) in
    one year's register. Taken under the register row's lock."""

    __tablename__ = "register_counters"
    __table_args__ = (UniqueConstraint("register_id", "series"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    register_id: Mapped[int] = mapped_column(ForeignKey("registers.id"))
    series: Mapped[str] = mapped_column(String(20))
    last_number: Mapped[int] = mapped_column(default=0)


class RegisterClosing(Base):
    """A register's year closed (đóng sổ, Decree 30, Art. 16.2.b, 22.3.b): the printed register signed by
    the clerk with the ward's key, kept in the content store. No entry goes into a closed register."""

    __tablename__ = "register_closings"
    __table_args__ = (UniqueConstraint("register_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    register_id: Mapped[int] = mapped_column(ForeignKey("registers.id"))
    year: Mapped[int]
    entries: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime] = mapped_column(default=utc_now)

    register: Mapped[Register] = relationship()
    closed_by: Mapped[User] = relationship()
