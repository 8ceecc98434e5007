"""Tables for tasks and the calendar: reminders already sent, and each user's secret calendar feed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm_platform.plugins import CompanyOwned, db
from crm_sales.models import utcnow


class TaskReminder(CompanyOwned, db.Model):
    """A reminder email was sent about this task (a core ``Activity`` of kind ``task``): never twice."""

    __tablename__ = "sales_task_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    sent_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)


class CalendarFeed(CompanyOwned, db.Model):
    """A user's secret iCalendar feed in one company; only the SHA-256 of its token is stored."""

    __tablename__ = "sales_calendar_feed"
    __table_args__ = (sa.UniqueConstraint("company_id", "user_id", name="uq_sales_calendar_feed_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
