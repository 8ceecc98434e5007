"""Task and meeting services (the public plugin API): create, complete, reopen, "my open tasks"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm_platform import tenancy
from crm_platform.plugins import add_meeting, add_task, complete_task, open_tasks_for, reopen_task, TimelineError
from crm_platform.testing import make_user
from crm_platform.timeline.tasks import is_overdue
from tests.timeline_helpers import add_person, notifications, rows

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_add_task_records_due_time_assignee_and_notifies_the_assignee(app, db, company, user, smtp_server):
    colleague = make_user(company, "bob@acme.test", "member", name="Bob Builder")
    person = add_person(company, db)
    with tenancy.company_scope(company.id):
        task = add_task("Call back about the quote", person=person, due_at=NOW, assignee_id=colleague.id)
        db.session.commit()
        assert (task.kind, task.assignee_id, task.done_at) == ("task", colleague.id, None)
        assert task.scheduled_at.replace(tzinfo=UTC) == NOW
    [note] = notifications(company, db)
    assert (note.user_id, note.kind) == (colleague.id, "task")
    assert note.link == f"/people/{person.id}#activity-{task.id}"
    assert "Call back about the quote" in note.text
    assert [m["To"] for m in smtp_server.messages] == ["bob@acme.test"]


def test_add_task_refuses_an_assignee_of_another_company(app, db, company, other_company, user):
    stranger = make_user(other_company, "eve@globex.test", "admin")
    with tenancy.company_scope(company.id):
        with pytest.raises(TimelineError) as error:
            add_task("Sneaky", due_at=None, assignee_id=stranger.id)
        assert error.value.field == "assignee"
        with pytest.raises(TimelineError):
            add_task("   ", due_at=None, assignee_id=None)
        db.session.rollback()
    assert rows(company, db) == []


def test_complete_and_reopen(app, db, company, user):
    with tenancy.company_scope(company.id):
        task = add_task("Send contract", due_at=NOW - timedelta(days=1), assignee_id=user.id)
        db.session.commit()
        assert is_overdue(task, now=NOW)
        complete_task(task)
        db.session.commit()
        done_at = task.done_at
        assert done_at is not None and not is_overdue(task, now=NOW)
        complete_task(task)
        assert task.done_at == done_at  # completing twice keeps the first time
        reopen_task(task)
        db.session.commit()
        assert task.done_at is None
        note = add_meeting("Kick-off", starts_at=NOW, duration_minutes=30)
        with pytest.raises(TimelineError):
            complete_task(note)


def test_add_meeting_checks_its_input(app, db, company, user):
    with tenancy.company_scope(company.id):
        meeting = add_meeting("Kick-off", starts_at=NOW, duration_minutes=45)
        db.session.commit()
        assert (meeting.kind, meeting.duration_minutes) == ("meeting", 45)
        for bad in (0, -5, 24 * 60 + 1):
            with pytest.raises(TimelineError) as error:
                add_meeting("Kick-off", starts_at=NOW, duration_minutes=bad)
            assert error.value.field == "duration"
        with pytest.raises(TimelineError):
            add_meeting("", starts_at=NOW, duration_minutes=10)


def test_open_tasks_for_orders_by_due_time_and_pages(app, db, company, other_company, user):
    colleague = make_user(company, "bob@acme.test", "member")
    with tenancy.company_scope(company.id):
        for i in range(5):
            add_task(f"dated {i}", due_at=NOW + timedelta(hours=5 - i), assignee_id=user.id)
        add_task("undated", due_at=None, assignee_id=user.id)
        done = add_task("finished", due_at=NOW, assignee_id=user.id)
        complete_task(done)
        add_task("not mine", due_at=NOW, assignee_id=colleague.id)
        db.session.commit()
        seen = []
        cursor = None
        while True:
            page = open_tasks_for(user.id, cursor=cursor, limit=2)
            seen += [task.body for task in page.items]
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert seen == ["dated 4", "dated 3", "dated 2", "dated 1", "dated 0", "undated"]
        overdue = open_tasks_for(user.id, before=NOW + timedelta(hours=2, minutes=30))
        assert [task.body for task in overdue.items] == ["dated 4", "dated 3"]
    with tenancy.company_scope(other_company.id):
        assert open_tasks_for(user.id).items == []
