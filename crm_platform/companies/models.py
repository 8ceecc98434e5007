"""Companies (workspaces), memberships and invitations."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_platform.extensions import db
from crm_platform.models_base import Timestamped, utcnow
from crm_platform.tenancy import CompanyOwned

ROLES: tuple[str, ...] = ("owner", "admin", "member", "readonly")
ROLE_LABELS: dict[str, str] = {"owner": "Owner", "admin": "Admin", "member": "Member", "readonly": "Read-only"}


class Company(Timestamped, db.Model):
    """A workspace: its own data, users, plugins and branding."""

    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True, nullable=False)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    # ISO 3166 region used to read phone numbers typed without a +country code ("" = none).
    phone_region: Mapped[str] = mapped_column(sa.String(2), default="", server_default="", nullable=False)
    # Bumped whenever rows that every page reads change (plugins, branding, members, tags):
    # processes keep those answers until it moves (crm_platform/company_cache.py).
    config_version: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0", nullable=False)


class Membership(CompanyOwned, Timestamped, db.Model):
    """A user's role in one company."""

    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("company_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False)
    role: Mapped[str] = mapped_column(sa.String(20), nullable=False, default="member")

    user = relationship("User", lazy="joined")
    company = relationship(Company, lazy="joined")


class Invitation(CompanyOwned, db.Model):
    """An emailed invitation to join a company; the token is stored only as a hash."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    role: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    invited_by = relationship("User", foreign_keys=[invited_by_id])
