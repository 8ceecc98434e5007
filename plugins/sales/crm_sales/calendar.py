"""The team calendar: month and week ranges in the company's time zone, and the entries inside them.

Only the visible range is queried (index ``ix_activity_company_scheduled``): tasks by their due
time, meetings by their start (``scheduled_at``) and length (``duration_minutes``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from crm_platform.plugins import Activity, db
from crm_sales.models import aware
from crm_sales.tasks import MEETING, TASK, day_bounds

KINDS = (TASK, MEETING)
RANGE_LIMIT = 2000


@dataclass(frozen=True)
class Span:
    """A range of whole local days ``[first, last]`` shown by a view, and its neighbours."""

    view: str
    first: date
    last: date
    anchor: date
    previous: date
    next: date

    @property
    def days(self) -> list[date]:
        """Every day of the range."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def weeks(self) -> list[list[date]]:
        """The days in rows of seven (Monday first)."""
        days = self.days
        return [days[i:i + 7] for i in range(0, len(days), 7)]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_span(anchor: date) -> Span:
    """The weeks (Monday to Sunday) that cover ``anchor``'s month."""
    start = anchor.replace(day=1)
    end = _add_months(start, 1) - timedelta(days=1)
    first = start - timedelta(days=start.weekday())
    last = end + timedelta(days=6 - end.weekday())
    return Span("month", first, last, start, _add_months(start, -1), _add_months(start, 1))


def week_span(anchor: date) -> Span:
    """Monday to Sunday of ``anchor``'s week."""
    first = anchor - timedelta(days=anchor.weekday())
    return Span("week", first, first + timedelta(days=6), anchor, first - timedelta(days=7), first + timedelta(days=7))


def span_for(view: str, anchor: date) -> Span:
    """The span of the ``month`` or ``week`` view around ``anchor``."""
    return week_span(anchor) if view == "week" else month_span(anchor)


def entries(start: datetime, end: datetime, user_id: int | None = None, kinds: tuple[str, ...] = KINDS) -> list[Activity]:
    """Tasks and meetings of the company scheduled in ``[start, end)`` (UTC), soonest first.

    ``user_id`` keeps the entries assigned to that user, or written by them when nobody is assigned.
    """
    stmt = (
        select(Activity)
        .where(Activity.scheduled_at >= start, Activity.scheduled_at < end, Activity.kind.in_(kinds))
        .options(selectinload(Activity.assignee), selectinload(Activity.person), selectinload(Activity.organization))
        .order_by(Activity.scheduled_at, Activity.id)
        .limit(RANGE_LIMIT)
    )
    if user_id is not None:
        stmt = stmt.where(or_(
            Activity.assignee_id == user_id, and_(Activity.assignee_id.is_(None), Activity.author_id == user_id)
        ))
    return list(db.session.scalars(stmt).unique())


def range_bounds(span: Span, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants of the span's first local midnight and the midnight after its last day."""
    return day_bounds(span.first, tz)[0], day_bounds(span.last, tz)[1]


def by_day(rows: list[Activity], tz: ZoneInfo) -> dict[date, list[Activity]]:
    """Entries grouped by their local day in ``tz``."""
    out: dict[date, list[Activity]] = defaultdict(list)
    for row in rows:
        out[aware(row.scheduled_at).astimezone(tz).date()].append(row)
    return out


def ends_at(activity: Any) -> datetime | None:
    """A meeting's end (start + duration), or None when it has no duration."""
    if activity.scheduled_at is None or not activity.duration_minutes:
        return None
    return aware(activity.scheduled_at) + timedelta(minutes=activity.duration_minutes)
