"""A company's branding: its theme, accent colour, display name, email footer and logo."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm_platform.extensions import db
from crm_platform.models_base import utcnow
from crm_platform.tenancy import CompanyOwned


class Branding(CompanyOwned, db.Model):
    """At most one row per company; no row means the instance's default theme and colours."""

    __tablename__ = "branding"
    __table_args__ = (sa.UniqueConstraint("company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme: Mapped[str | None] = mapped_column(sa.String(40))
    accent: Mapped[str | None] = mapped_column(sa.String(7))
    accent_text: Mapped[str | None] = mapped_column(sa.String(7))
    display_name: Mapped[str | None] = mapped_column(sa.String(80))
    email_footer: Mapped[str | None] = mapped_column(sa.String(500))
    logo_filename: Mapped[str | None] = mapped_column(sa.String(64))
    logo_content_type: Mapped[str | None] = mapped_column(sa.String(20))
    logo_size: Mapped[int | None] = mapped_column(sa.Integer)
    logo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
