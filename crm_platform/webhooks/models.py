"""Webhook subscriptions and their delivery log."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_platform.extensions import db
from crm_platform.models_base import Timestamped, utcnow
from crm_platform.tenancy import CompanyOwned

DELIVERY_STATUSES = ("pending", "succeeded", "failed")


def new_secret() -> str:
    """A fresh signing secret (``whsec_`` + 32 random bytes, URL-safe)."""
    return "whsec_" + secrets.token_urlsafe(32)


def new_uid() -> str:
    """A random id sent to receivers (``X-CRM-Delivery``, the event's ``id``)."""
    return str(uuid.uuid4())


class WebhookSubscription(CompanyOwned, Timestamped, db.Model):
    """A URL that receives the company's events of the listed types."""

    __tablename__ = "webhook_subscription"
    __table_args__ = (sa.Index("ix_webhook_subscription_company_active", "company_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2048), nullable=False)
    description: Mapped[str] = mapped_column(sa.String(200), default="", nullable=False)
    events: Mapped[list] = mapped_column(sa.JSON, default=list, nullable=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    # Kept in clear: it signs every delivery, so the CRM must be able to read it.
    secret: Mapped[str] = mapped_column(sa.String(80), default=new_secret, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    def listens_to(self, event: str) -> bool:
        """True when this subscription is active and lists ``event``."""
        return self.active and event in (self.events or [])


class WebhookDelivery(CompanyOwned, db.Model):
    """One event sent (or to be sent) to one subscription: the exact body, status and attempts."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.Index("ix_webhook_delivery_subscription_id_id", "subscription_id", "id"),
        sa.Index("ix_webhook_delivery_status_next_attempt", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(36), default=new_uid, unique=True, nullable=False)
    subscription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_subscription.id", ondelete="CASCADE"), nullable=False
    )
    event: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    payload: Mapped[str] = mapped_column(sa.Text, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", nullable=False)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    last_status_code: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="", nullable=False)
    next_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)

    subscription: Mapped[WebhookSubscription] = relationship(lazy="joined")
