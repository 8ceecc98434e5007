"""Notifications for users and files attached to timeline notes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from crm_platform.extensions import db
from crm_platform.models_base import utcnow
from crm_platform.tenancy import CompanyOwned


class Notification(CompanyOwned, db.Model):
    """Something a user should look at (a mention, an assigned task); unread while ``read_at`` is NULL."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(30), default="info", nullable=False)
    text: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    link: Mapped[str] = mapped_column(sa.String(500), default="", nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    actor = relationship("User", foreign_keys=[actor_id], lazy="select")


class Attachment(CompanyOwned, db.Model):
    """A file uploaded with a timeline note, stored under ``instance/uploads/<company id>/``."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True, nullable=False)
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    size: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    storage_name: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)

    activity = relationship(
        "Activity",
        backref=backref("attachments", order_by="Attachment.id", passive_deletes=True, lazy="select"),
    )


def _attachment_count_property() -> None:
    """``Activity.attachment_count``: how many files an entry has (deferred; timeline pages undefer it).

    A timeline page reads it with its entries (one index probe each) and then loads the
    files of only the entries that have some, usually none: see
    :func:`crm_platform.timeline.attachment_loading.load_attachments`.
    """
    from sqlalchemy.orm import column_property

    from crm_platform.contacts.models import Activity

    Activity.attachment_count = column_property(
        sa.select(sa.func.count(Attachment.id)).where(Attachment.activity_id == Activity.id)
        .correlate_except(Attachment).scalar_subquery(),
        deferred=True,
    )


_attachment_count_property()
