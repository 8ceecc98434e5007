"""Per-company plugin state and settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm_platform.extensions import db
from crm_platform.models_base import utcnow
from crm_platform.tenancy import CompanyOwned


class PluginState(CompanyOwned, db.Model):
    """Whether one company uses one plugin. No row means the plugin's default."""

    __tablename__ = "plugin_state"
    __table_args__ = (sa.UniqueConstraint("company_id", "plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    enabled: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))


class PluginSetting(CompanyOwned, db.Model):
    """One per-company setting value of a plugin (JSON)."""

    __tablename__ = "plugin_setting"
    __table_args__ = (sa.UniqueConstraint("company_id", "plugin", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    key: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    value: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
