"""Tasks and meetings on the timeline: create, complete, reopen, and "my open tasks".

Public API for plugins (``from crm_platform.plugins import add_task, ...``). Every
function works in the current company (a request, or ``company_scope()`` in a job) and
leaves the commit to the caller.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm_platform.companies.models import Membership
from crm_platform.contacts.models import Activity, Organization, Person
from crm_platform.contacts.pagination import Page, decode_cursor, encode_cursor
from crm_platform.contacts.services import add_activity
from crm_platform.extensions import db
from crm_platform.models_base import utcnow

TASK_PAGE_SIZE = 50
MAX_MEETING_MINUTES = 24 * 60


class TimelineError(ValueError):
    """Refused input for a timeline entry; ``field`` names the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (naive values are taken as UTC, as SQLite returns them)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_member(user_id: int | None) -> bool:
    """True when ``user_id`` belongs to the current company."""
    if user_id is None:
        return False
    return db.session.scalar(select(Membership.id).where(Membership.user_id == user_id).limit(1)) is not None


def add_task(
    title_or_body: str,
    *,
    person: Person | None = None,
    organization: Organization | None = None,
    due_at: datetime | None = None,
    assignee_id: int | None = None,
    notify_assignee: bool = True,
) -> Activity:
    """Add an open task (kind ``task``) by the current user, due at ``due_at`` (UTC), for ``assignee_id``.

    The assignee must be a member of the current company (else :class:`TimelineError`).
    An assignee other than the author gets a notification (and email) unless
    ``notify_assignee`` is false. The caller commits.
    """
    text = (title_or_body or "").strip()
    if not text:
        raise TimelineError("body", "Describe the task.")
    if assignee_id is not None and not is_member(assignee_id):
        raise TimelineError("assignee", "Choose a colleague from this company.")
    activity = add_activity("task", text, person=person, organization=organization)
    activity.scheduled_at = as_utc(due_at) if due_at is not None else None
    activity.assignee_id = assignee_id
    db.session.flush()
    if notify_assignee and assignee_id is not None and assignee_id != activity.author_id:
        from crm_platform.timeline.notifications import notify
        from crm_platform.timeline.links import entry_link

        first_line = text.splitlines()[0][:200]
        notify(assignee_id, f"New task for you: {first_line}", link=entry_link(activity), kind="task", actor_id=activity.author_id)
    return activity


def complete_task(activity: Activity) -> Activity:
    """Mark a task done now (a task already done keeps its time). The caller commits."""
    if activity.kind != "task":
        raise TimelineError("kind", "Only tasks can be completed.")
    if activity.done_at is None:
        activity.done_at = utcnow()
    return activity


def reopen_task(activity: Activity) -> Activity:
    """Mark a done task open again. The caller commits."""
    if activity.kind != "task":
        raise TimelineError("kind", "Only tasks can be reopened.")
    activity.done_at = None
    return activity


def add_meeting(
    body: str,
    *,
    person: Person | None = None,
    organization: Organization | None = None,
    starts_at: datetime,
    duration_minutes: int,
) -> Activity:
    """Add a meeting (kind ``meeting``) starting at ``starts_at`` for ``duration_minutes`` (1 to 1440).

    The caller commits.
    """
    text = (body or "").strip()
    if not text:
        raise TimelineError("body", "Describe the meeting.")
    if starts_at is None:
        raise TimelineError("when", "Give the start date and time.")
    if not isinstance(duration_minutes, int) or not 0 < duration_minutes <= MAX_MEETING_MINUTES:
        raise TimelineError("duration", "The duration is 1 to 1440 minutes.")
    activity = add_activity("meeting", text, person=person, organization=organization)
    activity.scheduled_at = as_utc(starts_at)
    activity.duration_minutes = duration_minutes
    return activity


def is_overdue(activity: Activity, now: datetime | None = None) -> bool:
    """True for an open task whose due time has passed."""
    if activity.kind != "task" or activity.done_at is not None or activity.scheduled_at is None:
        return False
    return as_utc(activity.scheduled_at) < (now or utcnow())


def open_tasks_for(
    user_id: int,
    *,
    before: datetime | None = None,
    cursor: str | None = None,
    limit: int = TASK_PAGE_SIZE,
) -> Page[Activity]:
    """Open tasks assigned to ``user_id`` in the current company, soonest due first, one keyset page.

    ``before`` keeps only tasks due before that time (e.g. ``before=now`` for overdue
    ones, which also leaves out undated tasks); otherwise undated tasks come last.
    ``cursor`` is the ``next_cursor`` of the previous page. Served by the index
    ``(assignee_id, done_at, scheduled_at)``.
    """
    stmt = (
        select(Activity)
        .options(selectinload(Activity.person), selectinload(Activity.organization), selectinload(Activity.assignee))
        .where(Activity.kind == "task", Activity.assignee_id == user_id, Activity.done_at.is_(None))
    )
    if before is not None:
        stmt = stmt.where(Activity.scheduled_at < as_utc(before))
    key = decode_cursor(cursor, [str, int])
    if key is not None:
        due, last_id = key
        if due:
            try:
                due_at = datetime.fromisoformat(due)
            except ValueError:
                due_at = None
            if due_at is not None:
                stmt = stmt.where(
                    sa.or_(
                        sa.tuple_(Activity.scheduled_at, Activity.id) > sa.tuple_(sa.bindparam(None, due_at, type_=Activity.scheduled_at.type), last_id),
                        Activity.scheduled_at.is_(None),
                    )
                )
        else:
            stmt = stmt.where(Activity.scheduled_at.is_(None), Activity.id > last_id)
    stmt = stmt.order_by(Activity.scheduled_at.asc().nulls_last(), Activity.id.asc()).limit(limit + 1)
    rows = list(db.session.scalars(stmt).unique())
    if len(rows) <= limit:
        return Page(rows)
    rows = rows[:limit]
    last = rows[-1]
    return Page(rows, encode_cursor([as_utc(last.scheduled_at).isoformat() if last.scheduled_at else "", last.id]))
