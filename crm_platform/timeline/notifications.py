"""Notifications: a row per user in the current company, plus an email queued on commit.

Public API for plugins: ``from crm_platform.plugins import notify``.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from crm_platform import company_cache
from crm_platform.auth.models import User
from crm_platform.companies.models import Company
from crm_platform.contacts.pagination import Page, keyset_page
from crm_platform.extensions import db
from crm_platform.models_base import utcnow
from crm_platform.security import is_safe_local_path
from crm_platform.tenancy import current_company_id
from crm_platform.timeline.aftercommit import on_commit
from crm_platform.timeline.models import Notification
from crm_platform.timeline.tasks import is_member

MAX_TEXT = 500
MAX_LINK = 500
BELL_CAP = 99
PAGE_SIZE = 30


class NotificationError(ValueError):
    """``notify`` was called with a user outside the company, an unsafe link or no text."""


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def notify(user_id: int, text: str, link: str = "", kind: str = "info", actor_id: int | None = None) -> Notification:
    """Notify ``user_id`` (a member of the current company) and email them once the transaction commits.

    ``link`` is a local path (``/people/7#activity-12``) or empty; ``kind`` is a short
    label (``mention``, ``task``, a plugin's own). The email goes through the job queue
    (:func:`crm_platform.mail.send_mail`) with the company's branding email footer.
    Raises :class:`NotificationError` for a user outside the company or an unsafe link.
    The caller commits.
    """
    company_id = current_company_id()
    if company_id is None:
        raise NotificationError("notify() needs a current company (a request or company_scope()).")
    if not is_member(user_id):
        raise NotificationError(f"user {user_id} is not a member of this company")
    clean = _one_line(text)[:MAX_TEXT]
    if not clean:
        raise NotificationError("a notification needs a text")
    if link and (len(link) > MAX_LINK or not is_safe_local_path(link)):
        raise NotificationError("the link must be a local path such as /people/7")
    notification = Notification(user_id=user_id, text=clean, link=link, kind=(kind or "info")[:30], actor_id=actor_id)
    db.session.add(notification)
    db.session.flush()
    _queue_email(notification, company_id)
    return notification


def _queue_email(notification: Notification, company_id: int) -> None:
    """Prepare the email now (the database is readable) and queue it after the commit."""
    from crm_platform.companies.service import _email_footer
    from crm_platform.mail import send_mail

    user = db.session.get(User, notification.user_id)
    company = db.session.get(Company, company_id)
    if user is None or not user.email or company is None:
        return
    name = " ".join(company.name.split())
    base = current_app.config["CRM_BASE_URL"].rstrip("/")
    lines = [f"Hello {user.display_name},", "", notification.text]
    if notification.link:
        lines += ["", f"Open it: {base}{notification.link}"]
    lines += ["", f"You receive this because you are a member of {name}."]
    body = "\n".join(lines) + "\n" + _email_footer(company)
    subject = f"[{name}] {notification.text}"[:180]
    to = user.email
    on_commit(lambda: send_mail(to, subject, body))


def unread_count(user_id: int, cap: int = BELL_CAP) -> int:
    """How many unread notifications ``user_id`` has here, counted up to ``cap`` (the bell shows 99+)."""
    # At most cap + 1 ids from the (user_id, read_at, created_at) index: no COUNT over the table.
    def load() -> int:
        stmt = select(Notification.id).where(Notification.user_id == user_id, Notification.read_at.is_(None)).limit(cap + 1)
        return len(db.session.scalars(stmt).all())

    # Kept by the process until a notification of the company is added or read (company_cache).
    return company_cache.cached("unread_notifications", (user_id, cap), load)


def notifications_page(user_id: int, cursor: str | None = None, unread_only: bool = False, limit: int = PAGE_SIZE) -> Page[Notification]:
    """``user_id``'s notifications in the current company, newest first, one keyset page."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return keyset_page(stmt, (Notification.created_at, Notification.id), cursor, limit, descending=True)


def get_notification(user_id: int, notification_id: int) -> Notification | None:
    """The notification ``notification_id`` if it belongs to ``user_id`` in this company."""
    return db.session.scalars(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user_id)
    ).first()


def mark_read(notification: Notification, when: datetime | None = None) -> None:
    """Mark one notification read (keeps the first read time). The caller commits."""
    if notification.read_at is None:
        notification.read_at = when or utcnow()


def mark_all_read(user_id: int) -> None:
    """Mark every unread notification of ``user_id`` in this company read. The caller commits."""
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    company_cache.bump(db.session, [current_company_id()])  # a bulk UPDATE is not seen by the flush listener
