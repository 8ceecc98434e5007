"""Follow-up tasks on deals, the done toggle, permissions, and the "My tasks" page in a time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.contacts.models import Activity
from crm_platform.testing import make_user


def set_timezone(db, company, name):
    from crm_platform.plugins.models import PluginSetting

    with tenancy.company_scope(company.id):
        db.session.add(PluginSetting(plugin="sales", key="timezone", value=name))
        db.session.commit()


def add_task(db, company, title, due, assignee_id, done_at=None):
    with tenancy.company_scope(company.id):
        task = Activity(kind="task", body=title, scheduled_at=due, assignee_id=assignee_id, done_at=done_at)
        db.session.add(task)
        db.session.commit()
        return task.id


def tasks_of(db, company):
    db.session.expire_all()
    with tenancy.company_scope(company.id):
        return list(db.session.scalars(select(Activity).where(Activity.kind == "task").order_by(Activity.id)))


def test_add_a_task_to_a_deal_attaches_it_to_the_primary_person(logged_in_client, sales, contacts, user, company, db):
    person_id, org_id = contacts
    deal_id = sales.deal("Initech rollout", organization_id=org_id)
    logged_in_client.post_form(f"/sales/deals/{deal_id}/people", {"person_id": person_id, "role": "champion"}, token_from="/sales/")
    response = logged_in_client.htmx(
        "post", f"/sales/deals/{deal_id}/tasks",
        {"title": "Send the proposal", "due_date": "2030-05-04", "due_time": "14:30", "assignee_id": str(user.id)},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Send the proposal" in html and "Ada Admin" in html and "1 open" in html
    assert f'<option selected value="{user.id}">' in html  # the fresh form assigns the next task to me again
    [task] = tasks_of(db, company)
    assert task.person_id == person_id and task.organization_id == org_id and task.assignee_id == user.id
    assert task.scheduled_at.replace(tzinfo=UTC) == datetime(2030, 5, 4, 14, 30, tzinfo=UTC)
    assert task.done_at is None
    # the deal page loads the list; the person's timeline shows the task too
    fragment = logged_in_client.get(f"/sales/deals/{deal_id}/tasks").get_data(as_text=True)
    assert "Send the proposal" in fragment
    assert "Send the proposal" in logged_in_client.get(f"/people/{person_id}").get_data(as_text=True)


def test_due_time_is_read_in_the_company_time_zone(logged_in_client, sales, company, db):
    set_timezone(db, company, "Europe/Zurich")
    deal_id = sales.deal()
    response = logged_in_client.post_form(
        f"/sales/deals/{deal_id}/tasks", {"title": "Call", "due_date": "2030-01-10", "due_time": "09:00", "assignee_id": ""},
        token_from="/sales/",
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/sales/deals/{deal_id}#tasks")
    [task] = tasks_of(db, company)
    assert task.scheduled_at.replace(tzinfo=UTC) == datetime(2030, 1, 10, 8, 0, tzinfo=UTC)  # CET is UTC+1
    assert task.assignee_id is None


def test_bad_task_forms_answer_422_with_errors(logged_in_client, sales, other_company, company, db):
    stranger = make_user(other_company, "eve@globex.test", "admin", name="Eve")
    deal_id = sales.deal()
    cases = {
        "title": {"title": "", "due_date": "2030-01-01"},
        "date": {"title": "Call", "due_date": "2030-02-30"},
        "missing date": {"title": "Call", "due_date": ""},
        "time": {"title": "Call", "due_date": "2030-01-01", "due_time": "25:99"},
        "assignee": {"title": "Call", "due_date": "2030-01-01", "assignee_id": str(stranger.id)},
        "far": {"title": "Call", "due_date": "2300-01-01"},
    }
    for name, data in cases.items():
        response = logged_in_client.htmx("post", f"/sales/deals/{deal_id}/tasks", data)
        assert response.status_code == 422, name
        assert 'class="error"' in response.get_data(as_text=True), name
    assert tasks_of(db, company) == []


def test_done_toggle_and_reopen(logged_in_client, sales, user, company, db):
    deal_id = sales.deal()
    logged_in_client.htmx("post", f"/sales/deals/{deal_id}/tasks", {"title": "Demo", "due_date": "2030-01-01", "assignee_id": str(user.id)})
    [task] = tasks_of(db, company)
    response = logged_in_client.htmx("post", f"/sales/tasks/{task.id}/done", {"done": "1", "back": "deal"})
    assert response.status_code == 200 and 'aria-pressed="true"' in response.get_data(as_text=True)
    assert tasks_of(db, company)[0].done_at is not None
    fragment = logged_in_client.get(f"/sales/deals/{deal_id}/tasks").get_data(as_text=True)
    assert "0 open" in fragment and "1 done" in fragment
    response = logged_in_client.htmx("post", f"/sales/tasks/{task.id}/done", {"done": "0", "back": "deal"})
    assert 'aria-pressed="false"' in response.get_data(as_text=True)
    assert tasks_of(db, company)[0].done_at is None
    plain = logged_in_client.post_form(f"/sales/tasks/{task.id}/done", {"done": "1"}, token_from="/sales/")
    assert plain.status_code == 303 and plain.headers["Location"].endswith("/sales/tasks")


def test_toggle_refuses_notes_and_get(logged_in_client, sales, company, db):
    with tenancy.company_scope(company.id):
        note = Activity(kind="note", body="Just a note")
        db.session.add(note)
        db.session.commit()
    assert logged_in_client.htmx("post", f"/sales/tasks/{note.id}/done", {"done": "1"}).status_code == 404
    assert logged_in_client.get(f"/sales/tasks/{note.id}/done").status_code == 405


def test_readonly_sees_tasks_but_cannot_add_or_toggle(client_as, sales, user, company, db):
    deal_id = sales.deal()
    task_id = add_task(db, company, "Prepare demo", datetime.now(UTC) + timedelta(days=1), user.id)
    with tenancy.company_scope(company.id):
        from crm_sales.models import DealActivity

        db.session.add(DealActivity(deal_id=deal_id, activity_id=task_id))
        db.session.commit()
    reader = client_as("readonly")
    fragment = reader.get(f"/sales/deals/{deal_id}/tasks").get_data(as_text=True)
    assert "Prepare demo" in fragment and "Add task" not in fragment and "sales-task-toggle" not in fragment
    assert reader.htmx("post", f"/sales/deals/{deal_id}/tasks", {"title": "X", "due_date": "2030-01-01"}).status_code == 403
    assert reader.htmx("post", f"/sales/tasks/{task_id}/done", {"done": "1"}).status_code == 403
    assert tasks_of(db, company)[0].done_at is None and len(tasks_of(db, company)) == 1


def test_my_tasks_groups_overdue_today_upcoming_in_the_company_time_zone(logged_in_client, sales, user, company, db):
    from zoneinfo import ZoneInfo

    from crm_sales import tasks

    set_timezone(db, company, "Pacific/Auckland")
    tz = ZoneInfo("Pacific/Auckland")
    now = datetime.now(UTC)
    local_today = now.astimezone(tz).date()
    _, midnight = tasks.day_bounds(local_today, tz)
    other = make_user(company, "bob@acme.test", "member", name="Bob")
    add_task(db, company, "Late one", now - timedelta(hours=3), user.id)
    add_task(db, company, "Later today", min(now + timedelta(minutes=30), midnight - timedelta(minutes=1)), user.id)
    add_task(db, company, "Tomorrow thing", midnight + timedelta(hours=2), user.id)
    add_task(db, company, "Bob's task", now + timedelta(hours=1), other.id)
    add_task(db, company, "Finished", now - timedelta(days=1), user.id, done_at=now - timedelta(hours=1))
    add_task(db, company, "Old finished", now - timedelta(days=30), user.id, done_at=now - timedelta(days=20))
    with tenancy.company_scope(company.id):
        groups = tasks.my_tasks(user.id, tz, now)
    assert [t.body for t in groups.overdue] == ["Late one"]
    assert [t.body for t in groups.upcoming] == ["Tomorrow thing"]
    if now + timedelta(minutes=30) < midnight:
        assert [t.body for t in groups.today] == ["Later today"]
    assert [t.body for t in groups.done] == ["Finished"]
    html = logged_in_client.get("/sales/tasks").get_data(as_text=True)
    for text in ("Overdue", "Upcoming", "Late one", "Tomorrow thing", "Finished", "Pacific/Auckland"):
        assert text in html
    assert "Bob&#39;s task" not in html and "Bob's task" not in html and "Old finished" not in html
    assert 'href="/sales/tasks"' in logged_in_client.get("/").get_data(as_text=True)  # nav entry


def test_timezone_setting_is_validated(logged_in_client, sales, company, db):
    from crm_platform.plugins.models import PluginSetting

    page = logged_in_client.get("/settings/plugins/sales/settings").get_data(as_text=True)
    assert "Europe/Zurich" in page
    bad = logged_in_client.post_form("/settings/plugins/sales/settings", {"currency": "EUR", "timezone": "Mars/Olympus"}, token_from="/settings/plugins/sales/settings")
    assert bad.status_code == 422
    good = logged_in_client.post_form("/settings/plugins/sales/settings", {"currency": "EUR", "timezone": "Asia/Tokyo"}, token_from="/settings/plugins/sales/settings")
    assert good.status_code in (200, 303)
    with tenancy.company_scope(company.id):
        stored = db.session.scalars(select(PluginSetting).where(PluginSetting.key == "timezone")).first()
        assert stored.value == "Asia/Tokyo"
