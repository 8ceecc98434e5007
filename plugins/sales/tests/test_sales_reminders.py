"""Reminder emails: the periodic job mails assignees about tasks due within the hour or overdue, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from crm_platform import tenancy
from crm_platform.contacts.models import Activity
from crm_platform.testing import make_user


def add_task(db, company, title, due, assignee_id, done=False):
    with tenancy.company_scope(company.id):
        row = Activity(kind="task", body=title, scheduled_at=due, assignee_id=assignee_id,
                       done_at=datetime.now(UTC) if done else None)
        db.session.add(row)
        db.session.commit()
        return row.id


def test_reminders_go_out_once_through_smtp(app, company, other_company, user, db, smtp_server):
    from crm_platform.plugins.runtime import set_enabled
    from crm_sales.models_tasks import TaskReminder
    from crm_sales.reminders import send_reminders

    now = datetime.now(UTC)
    bob = make_user(company, "bob@acme.test", "member", name="Bob")
    add_task(db, company, "Call Peter back", now + timedelta(minutes=40), user.id)
    add_task(db, company, "Send the invoice", now - timedelta(hours=5), user.id)  # overdue
    add_task(db, company, "Next week", now + timedelta(days=7), user.id)  # not yet
    add_task(db, company, "Already done", now + timedelta(minutes=10), user.id, done=True)
    add_task(db, company, "Ancient", now - timedelta(days=30), user.id)  # long overdue: not mailed
    add_task(db, company, "Bob's demo", now + timedelta(minutes=5), bob.id)
    add_task(db, company, "Nobody's", now + timedelta(minutes=5), None)
    eve = make_user(other_company, "eve@globex.test", "admin", name="Eve")
    set_enabled(other_company, "sales", False)
    add_task(db, other_company, "Globex task", now + timedelta(minutes=5), eve.id)

    assert send_reminders(now) == 2
    by_to = {m["To"]: m for m in smtp_server.messages}
    assert set(by_to) == {"ada@acme.test", "bob@acme.test"}
    ada = smtp_server.messages.index(by_to["ada@acme.test"])
    body = smtp_server.body(ada)
    assert "Call Peter back" in body and "Send the invoice" in body and "overdue since" in body
    assert "Next week" not in body and "Already done" not in body and "Ancient" not in body
    assert "http://crm.test/sales/tasks" in body
    assert by_to["ada@acme.test"]["Subject"] == "Reminder: 2 tasks to do"

    assert send_reminders(now) == 0  # never twice
    assert send_reminders(now + timedelta(minutes=5)) == 0
    assert len(smtp_server.messages) == 2
    with tenancy.company_scope(company.id):
        assert db.session.scalar(select(func.count()).select_from(TaskReminder)) == 3
    # a task that comes into the hour later is reminded about then
    add_task(db, company, "Next week", now + timedelta(days=7), user.id)
    assert send_reminders(now + timedelta(days=7) - timedelta(minutes=30)) == 1
    assert "Next week" in smtp_server.body()


def test_reminder_job_is_registered_and_runs_from_the_queue(app, company, user, db, smtp_server):
    from crm_platform.jobs import enqueue, register_plugin_jobs

    register_plugin_jobs(app.extensions["crm"].pm)
    add_task(db, company, "Queued reminder", datetime.now(UTC) + timedelta(minutes=20), user.id)
    enqueue("sales.task_reminders")  # immediate mode in tests: the worker's code path, run now
    assert [m["To"] for m in smtp_server.messages] == ["ada@acme.test"]
    assert "Queued reminder" in smtp_server.body()
