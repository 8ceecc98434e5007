"""The per-company audit log of security events."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_platform.extensions import db
from crm_platform.models_base import utcnow
from crm_platform.tenancy import CompanyOwned


class AuditEvent(CompanyOwned, db.Model):
    """A security-relevant event in one company (sign-in, role change, invitation...)."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_company_created", "company_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    detail: Mapped[str] = mapped_column(sa.String(500), default="", nullable=False)
    ip: Mapped[str] = mapped_column(sa.String(64), default="", nullable=False)

    actor = relationship("User", lazy="joined")
