"""Automation tables: rules, their run log, and the outbox of deal events they react to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_platform.plugins import CompanyOwned, Timestamped, db
from crm_sales.models import utcnow

TRIGGERS: tuple[tuple[str, str], ...] = (
    ("stage_entered", "A deal enters a stage"),
    ("won", "A deal is won"),
    ("lost", "A deal is lost"),
    ("stale", "A deal goes stale"),
)
ACTIONS: tuple[tuple[str, str], ...] = (
    ("create_task", "Create a task"),
    ("notify", "Notify a user"),
    ("change_field", "Change a field"),
    ("webhook", "Call a webhook"),
)
TRIGGER_LABELS: dict[str, str] = dict(TRIGGERS)
ACTION_LABELS: dict[str, str] = dict(ACTIONS)


class AutomationRule(CompanyOwned, Timestamped, db.Model):
    """When ``trigger`` happens to a deal (in ``stage_id`` if set), do ``action`` with ``config``."""

    __tablename__ = "sales_automation_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    enabled: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    trigger: Mapped[str] = mapped_column(sa.String(20), default="won", nullable=False)
    stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_stage.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(sa.String(20), default="notify", nullable=False)
    config: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, nullable=False)

    stage = relationship("Stage", lazy="joined")

    @property
    def trigger_label(self) -> str:
        """The trigger as people read it."""
        return TRIGGER_LABELS.get(self.trigger, self.trigger)

    @property
    def action_label(self) -> str:
        """The action as people read it."""
        return ACTION_LABELS.get(self.action, self.action)


class AutomationRun(CompanyOwned, db.Model):
    """One execution of a rule's action for a deal: when, why, and whether it worked."""

    __tablename__ = "sales_automation_run"
    __table_args__ = (sa.Index("ix_sales_automation_run_rule", "rule_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_automation_rule.id", ondelete="CASCADE"), nullable=False)
    deal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_deal.id", ondelete="SET NULL"), index=True)
    trigger: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    outcome: Mapped[str] = mapped_column(sa.String(10), default="ok", nullable=False)
    message: Mapped[str] = mapped_column(sa.String(500), default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)

    deal = relationship("Deal", lazy="joined")


class AutomationEvent(CompanyOwned, db.Model):
    """Something happened to a deal (written in the same transaction); rules run on it after the commit.

    ``dedupe_key`` makes an event happen once: a stale deal fires once per staleness episode.
    """

    __tablename__ = "sales_automation_event"
    __table_args__ = (sa.Index("ix_sales_automation_event_pending", "processed_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_deal.id", ondelete="CASCADE"), index=True, nullable=False)
    trigger: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    stage_id: Mapped[int | None] = mapped_column(sa.Integer)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
    processed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    deal = relationship("Deal", lazy="select")


PURGE_ORDER: tuple[type, ...] = (AutomationRun, AutomationEvent, AutomationRule)
"""The automation tables, children first (the plugin's purge deletes them before deals and stages)."""
