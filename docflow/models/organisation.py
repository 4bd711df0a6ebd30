"""The ward (organisation) and its departments."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docflow.models.base import Base, utc_now

if TYPE_CHECKING:
    from docflow.models.users import User


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(30), unique=True)  # "UBND": the body part of symbols
    # The organ identifier (mã định danh, "000.00.00.H41"): the OrganId of R57 metadata and of edXML messages.
    organ_id: Mapped[str] = mapped_column(String(13), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    departments: Mapped[list[Department]] = relationship(back_populates="organisation",
                                                         order_by="Department.name")


class Department(Base):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(30))  # "VP": the unit part of a công văn symbol
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    organisation: Mapped[Organisation] = relationship(back_populates="departments")
    members: Mapped[list[User]] = relationship(back_populates="department")
