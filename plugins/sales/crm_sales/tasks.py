"""Follow-up tasks: core timeline entries of kind ``task`` with a due time and an assignee.

A task about a deal is linked to it through ``sales_deal_activity`` and is attached to the
deal's primary person (and organization), so it also shows on their timelines. "Today" is
computed in the company's time zone (plugin setting ``timezone``, UTC by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm_platform.plugins import Activity, add_task, complete_task, db, get_setting, reopen_task
from crm_sales.models import Deal, DealActivity, aware, utcnow

TASK = "task"
MEETING = "meeting"
GROUP_LIMIT = 100
DONE_DAYS = 7


def timezone_choices() -> tuple[tuple[str, str], ...]:
    """Every IANA time zone zoneinfo knows, UTC first."""
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return (("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones))


def zone(name: Any) -> ZoneInfo:
    """``ZoneInfo(name)``, or UTC when the name is empty or unknown."""
    try:
        return ZoneInfo(str(name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def company_zone() -> ZoneInfo:
    """The current company's time zone (sales setting ``timezone``)."""
    return zone(get_setting("sales", "timezone"))


def local_to_utc(day: date, at: time | None, tz: ZoneInfo) -> datetime:
    """A wall-clock date and time in ``tz`` as an aware UTC datetime (09:00 when no time is given)."""
    local = datetime.combine(day, at or time(9, 0), tzinfo=tz)
    return local.astimezone(ZoneInfo("UTC"))


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where local ``day`` starts and the next day starts."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def add_deal_task(deal: Deal, title: str, due: datetime | None, assignee_id: int | None) -> Activity:
    """Create a core task about ``deal`` (on its primary person and organization) and link it to the deal.

    Uses the core's ``add_task``: the assignee must be a member (else ``TimelineError``) and
    is notified when it is not the author.
    """
    from crm_sales.services import primary_person

    person = primary_person(deal)
    task = add_task(title, person=person, organization=deal.organization, due_at=due, assignee_id=assignee_id)
    db.session.flush()
    db.session.add(DealActivity(deal_id=deal.id, activity_id=task.id))
    return task


def get_task(activity_id: int) -> Activity:
    """The task ``activity_id`` of the current company, else 404."""
    return db.first_or_404(select(Activity).where(Activity.id == activity_id, Activity.kind == TASK))


def set_done(task: Activity, done: bool) -> None:
    """Mark a task done (now; the core's ``complete_task``) or open again (``reopen_task``)."""
    if done:
        complete_task(task)
    else:
        reopen_task(task)


def deal_of(activity_id: int) -> Deal | None:
    """The deal a timeline entry is linked to, if any."""
    return db.session.scalars(
        select(Deal).join(DealActivity, DealActivity.deal_id == Deal.id).where(DealActivity.activity_id == activity_id)
    ).first()


def deal_tasks(deal: Deal, limit: int = GROUP_LIMIT) -> tuple[list[Activity], list[Activity]]:
    """The deal's open tasks (soonest first, undated last) and its done tasks (latest first)."""
    base = (
        select(Activity)
        .join(DealActivity, DealActivity.activity_id == Activity.id)
        .where(DealActivity.deal_id == deal.id, Activity.kind == TASK)
        .options(selectinload(Activity.assignee))
    )
    open_ = list(db.session.scalars(
        base.where(Activity.done_at.is_(None))
        .order_by(Activity.scheduled_at.is_(None), Activity.scheduled_at, Activity.id).limit(limit)
    ).unique())
    done = list(db.session.scalars(
        base.where(Activity.done_at.is_not(None)).order_by(Activity.done_at.desc(), Activity.id.desc()).limit(limit)
    ).unique())
    return open_, done


@dataclass
class MyTasks:
    """A user's tasks, grouped as the "My tasks" page shows them."""

    overdue: list[Activity] = field(default_factory=list)
    today: list[Activity] = field(default_factory=list)
    upcoming: list[Activity] = field(default_factory=list)
    undated: list[Activity] = field(default_factory=list)
    done: list[Activity] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        """How many open tasks are shown."""
        return len(self.overdue) + len(self.today) + len(self.upcoming) + len(self.undated)


def my_tasks(user_id: int, tz: ZoneInfo, now: datetime | None = None) -> MyTasks:
    """Tasks assigned to ``user_id``: overdue, due later today, upcoming, undated, and done lately.

    Overdue means the due time has passed; "today" ends at local midnight in ``tz``.
    Each group holds at most :data:`GROUP_LIMIT` tasks (index ``ix_activity_assignee_open``).
    """
    now = now or utcnow()
    _, end_of_today = day_bounds(now.astimezone(tz).date(), tz)
    base = (
        select(Activity)
        .where(Activity.assignee_id == user_id, Activity.kind == TASK)
        .options(selectinload(Activity.person), selectinload(Activity.organization))
    )
    pending = base.where(Activity.done_at.is_(None))
    out = MyTasks()
    out.overdue = list(db.session.scalars(
        pending.where(Activity.scheduled_at < now).order_by(Activity.scheduled_at, Activity.id).limit(GROUP_LIMIT)
    ).unique())
    soon = list(db.session.scalars(
        pending.where(Activity.scheduled_at >= now).order_by(Activity.scheduled_at, Activity.id).limit(GROUP_LIMIT)
    ).unique())
    out.today = [t for t in soon if aware(t.scheduled_at) < end_of_today]
    out.upcoming = [t for t in soon if aware(t.scheduled_at) >= end_of_today]
    out.undated = list(db.session.scalars(
        pending.where(Activity.scheduled_at.is_(None)).order_by(Activity.id.desc()).limit(GROUP_LIMIT)
    ).unique())
    out.done = list(db.session.scalars(
        base.where(Activity.done_at >= now - timedelta(days=DONE_DAYS))
        .order_by(Activity.done_at.desc(), Activity.id.desc()).limit(20)
    ).unique())
    return out


def deals_by_activity(activity_ids: list[int]) -> dict[int, Deal]:
    """``{activity id: deal}`` for the entries linked to a deal (one query for a whole list)."""
    if not activity_ids:
        return {}
    rows = db.session.execute(
        select(DealActivity.activity_id, Deal).join(Deal, Deal.id == DealActivity.deal_id)
        .where(DealActivity.activity_id.in_(activity_ids))
    )
    return {activity_id: deal for activity_id, deal in rows}
