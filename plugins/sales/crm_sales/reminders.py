"""Reminder emails: a periodic job mails assignees about tasks due within the hour, or overdue.

Each task is reminded about at most once (``sales_task_reminder``): the rows are committed
before the mail is queued, so two workers never both send. Overdue tasks are included when
they are at most :data:`OVERDUE_DAYS` late (older ones were clearly seen already).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from crm_platform.plugins import Activity, company_members, company_scope, db, is_enabled, send_mail, unscoped
from crm_sales.models import aware, utcnow
from crm_sales.models_tasks import TaskReminder
from crm_sales.tasks import TASK, company_zone

log = logging.getLogger(__name__)
AHEAD = timedelta(hours=1)
OVERDUE_DAYS = 7


def due_task_companies(now: datetime) -> dict[int, list[int]]:
    """``{company id: [task ids]}`` of open, assigned tasks due before now + 1 h and not reminded yet."""
    reminded = exists().where(TaskReminder.activity_id == Activity.id)
    stmt = select(Activity.company_id, Activity.id).where(
        Activity.kind == TASK, Activity.done_at.is_(None), Activity.assignee_id.is_not(None),
        Activity.scheduled_at >= now - timedelta(days=OVERDUE_DAYS), Activity.scheduled_at < now + AHEAD, ~reminded,
    ).order_by(Activity.company_id, Activity.id)
    out: dict[int, list[int]] = defaultdict(list)
    with unscoped():  # the job serves every company; each one is then handled in its own scope
        for company_id, task_id in db.session.execute(stmt):
            out[company_id].append(task_id)
    return out


def send_reminders(now: datetime | None = None, **_: object) -> int:
    """The periodic job: send the due reminders of every company using the plugin; returns mails sent."""
    now = now or utcnow()
    sent = 0
    for company_id, task_ids in due_task_companies(now).items():
        if not is_enabled("sales", company_id):
            continue
        with company_scope(company_id):
            sent += _remind_company(task_ids, now)
    return sent


def _remind_company(task_ids: list[int], now: datetime) -> int:
    members = {m.id: m for m in company_members()}
    rows = [t for t in db.session.scalars(select(Activity).where(Activity.id.in_(task_ids))) if t.assignee_id in members]
    if not rows:
        return 0
    for task in rows:
        db.session.add(TaskReminder(activity_id=task.id, sent_at=now))
    try:
        db.session.commit()
    except IntegrityError:  # another worker got there first: it sends them
        db.session.rollback()
        return 0
    by_user: dict[int, list[Activity]] = defaultdict(list)
    for task in rows:
        by_user[task.assignee_id].append(task)
    tz = company_zone()
    for user_id, items in by_user.items():
        _mail(members[user_id], items, tz, now)
    return len(by_user)


def _mail(user: Any, items: list[Activity], tz: Any, now: datetime) -> None:
    link = current_app.config.get("CRM_BASE_URL", "").rstrip("/") + "/sales/tasks"
    lines = []
    for task in sorted(items, key=lambda t: aware(t.scheduled_at)):
        due = aware(task.scheduled_at)
        state = "overdue since" if due < now else "due"
        title = " ".join(task.body.split())[:200]
        lines.append(f"- {title} ({state} {due.astimezone(tz).strftime('%a %d %b, %H:%M')} {tz})")
    overdue = any(aware(t.scheduled_at) < now for t in items)
    noun = "task" if len(items) == 1 else "tasks"
    subject = f"Reminder: {len(items)} {noun} {'overdue' if overdue and len(items) == 1 else 'to do'}"
    text = f"Hello {user.display_name},\n\n" + "\n".join(lines) + f"\n\nSee all your tasks: {link}\n"
    try:
        send_mail(user.email, subject, text)
    except Exception:  # noqa: BLE001 - one bad address must not stop the other reminders
        log.exception("could not queue the task reminder for user %s", getattr(user, "id", "?"))
