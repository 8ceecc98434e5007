"""Pairs of people a user said are not duplicates (the finder hides them)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm_platform.extensions import db
from crm_platform.models_base import utcnow
from crm_platform.tenancy import CompanyOwned


class DuplicateDismissal(CompanyOwned, db.Model):
    """``low_person_id`` < ``high_person_id`` are different people, said ``dismissed_by``."""

    __tablename__ = "duplicate_dismissal"
    __table_args__ = (sa.UniqueConstraint("low_person_id", "high_person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    low_person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    high_person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True,
                                                nullable=False)
    dismissed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
