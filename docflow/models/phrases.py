"""Instruction phrases a leader uses often ("Giao phòng chủ trì, tham mưu…"), kept in his own order and
picked from a list when he directs a document."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from docflow.models.base import Base, utc_now


class InstructionPhrase(Base):
    __tablename__ = "instruction_phrases"
    __table_args__ = (Index("ix_instruction_phrases_user_position", "user_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))     # the leader whose list it is
    text: Mapped[str] = mapped_column(String(500))
    position: Mapped[int]                                            # 1, 2, 3 ... in the owner's list
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
