"""Secret iCalendar feeds: one random token per user and company, stored as its SHA-256 only.

The feed lists the user's tasks (VTODO, by due time) and meetings (VEVENT) from 30 days
back to 180 days ahead, with UIDs that never change, so calendar apps update entries
instead of duplicating them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event, Todo
from sqlalchemy import delete, select

from crm_platform.plugins import company_members, company_scope, db, is_enabled, unscoped
from crm_sales.calendar import ends_at, entries
from crm_sales.models import aware, utcnow
from crm_sales.models_tasks import CalendarFeed
from crm_sales.tasks import MEETING, TASK

PAST_DAYS, FUTURE_DAYS = 30, 180
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def feed_of(user_id: int) -> CalendarFeed | None:
    """The current company's feed of ``user_id``, if they made one."""
    return db.session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == user_id)).first()


def regenerate(user_id: int) -> str:
    """Give the user a new feed token (the old one stops working); returns the token, shown once."""
    db.session.execute(
        delete(CalendarFeed).where(CalendarFeed.user_id == user_id).execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeed(user_id=user_id, token_hash=hash_token(token), created_at=utcnow()))
    db.session.flush()
    return token


def find_feed(token: str) -> CalendarFeed | None:
    """The feed whose token this is, in any company whose members and plugin still allow it."""
    if not TOKEN_SHAPE.match(token or ""):
        return None
    with unscoped():  # the token says which company: look it up across companies, on purpose
        feed = db.session.scalars(select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token))).first()
    if feed is None or not is_enabled("sales", feed.company_id):
        return None
    with company_scope(feed.company_id):
        if not any(member.id == feed.user_id for member in company_members()):
            return None
    return feed


def _uid(kind: str, activity_id: int) -> str:
    host = urlsplit(current_app.config.get("CRM_BASE_URL") or "").hostname or "crm.local"
    return f"{kind}-{activity_id}@{host}"


def build_calendar(feed: CalendarFeed, now: datetime | None = None) -> bytes:
    """The feed's iCalendar text: the user's tasks and meetings from −30 to +180 days."""
    now = now or utcnow()
    cal = Calendar()
    cal.add("prodid", "-//crm_platform//sales calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "CRM tasks and meetings")
    with company_scope(feed.company_id):
        rows = entries(now - timedelta(days=PAST_DAYS), now + timedelta(days=FUTURE_DAYS), user_id=feed.user_id)
        for row in rows:
            cal.add_component(_component(row, now))
    return cal.to_ical()


def _component(row: Any, now: datetime) -> Todo | Event:
    start = aware(row.scheduled_at)
    summary = (row.body.splitlines() or [row.kind])[0][:200] if row.body else row.kind
    if row.kind == TASK:
        item: Todo | Event = Todo()
        item.add("uid", _uid("task", row.id))
        item.add("due", start)
        done = aware(row.done_at)
        item.add("status", "COMPLETED" if done else "NEEDS-ACTION")
        if done:
            item.add("completed", done)
    else:
        item = Event()
        item.add("uid", _uid(MEETING, row.id))
        item.add("dtstart", start)
        item.add("dtend", ends_at(row) or start + timedelta(minutes=30))
    item.add("summary", summary)
    if row.body and "\n" in row.body:
        item.add("description", row.body[:2000])
    item.add("dtstamp", now)
    return item
