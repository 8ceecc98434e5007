"""The team calendar (month and week ranges, user filter, today) and the secret iCalendar feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.contacts.models import Activity
from crm_platform.testing import make_user


def add(db, company, kind, title, at, assignee_id=None, author_id=None, minutes=None):
    with tenancy.company_scope(company.id):
        row = Activity(kind=kind, body=title, scheduled_at=at, assignee_id=assignee_id, author_id=author_id, duration_minutes=minutes)
        db.session.add(row)
        db.session.commit()
        return row.id


def test_month_and_week_spans():
    from crm_sales.calendar import month_span, week_span

    month = month_span(date(2026, 12, 15))
    assert month.first == date(2026, 11, 30) and month.last == date(2027, 1, 3)
    assert len(month.weeks) == 5 and all(len(w) == 7 for w in month.weeks)
    assert month.previous == date(2026, 11, 1) and month.next == date(2027, 1, 1)
    week = week_span(date(2026, 12, 2))
    assert week.first == date(2026, 11, 30) and week.last == date(2026, 12, 6)
    assert week.previous == date(2026, 11, 23) and week.next == date(2026, 12, 7)


def test_entries_only_in_the_visible_range(app, company, user, db):
    from zoneinfo import ZoneInfo

    from crm_sales import calendar

    add(db, company, "task", "Before", datetime(2026, 11, 29, 22, 59, tzinfo=UTC), user.id)  # 23:59 in Zurich: outside
    add(db, company, "task", "First day", datetime(2026, 11, 29, 23, 30, tzinfo=UTC), user.id)  # 00:30 on 30 Nov in Zurich
    add(db, company, "meeting", "Board", datetime(2026, 12, 3, 9, 0, tzinfo=UTC), author_id=user.id, minutes=90)
    add(db, company, "note", "A note is not scheduled", datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    add(db, company, "task", "After", datetime(2026, 12, 6, 23, 0, tzinfo=UTC), user.id)  # 7 Dec 00:00 in Zurich
    tz = ZoneInfo("Europe/Zurich")
    span = calendar.week_span(date(2026, 12, 2))
    with tenancy.company_scope(company.id):
        rows = calendar.entries(*calendar.range_bounds(span, tz))
    assert [r.body for r in rows] == ["First day", "Board"]
    grouped = calendar.by_day(rows, tz)
    assert [r.body for r in grouped[date(2026, 11, 30)]] == ["First day"]
    assert calendar.ends_at(rows[1]) == datetime(2026, 12, 3, 10, 30, tzinfo=UTC)


def test_calendar_pages_navigate_filter_and_mark_today(logged_in_client, sales, company, user, db):
    bob = make_user(company, "bob@acme.test", "member", name="Bob Member")
    today = datetime.now(UTC).date()
    noon = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    add(db, company, "task", "Ada's call", noon, user.id)
    add(db, company, "meeting", "Bob's lunch", noon + timedelta(hours=1), author_id=bob.id, minutes=60)
    month = logged_in_client.get("/sales/calendar").get_data(as_text=True)
    assert "Ada&#39;s call" in month and "Bob&#39;s lunch" in month
    assert 'aria-current="date"' in month and today.strftime("%B %Y") in month
    assert "13:00–14:00" in month
    only_bob = logged_in_client.get(f"/sales/calendar?user={bob.id}").get_data(as_text=True)
    assert "Bob&#39;s lunch" in only_bob and "Ada&#39;s call" not in only_bob
    week = logged_in_client.get(f"/sales/calendar?view=week&date={today.isoformat()}").get_data(as_text=True)
    assert "sales-cal-week" in week and "Ada&#39;s call" in week
    far = logged_in_client.get("/sales/calendar?view=week&date=2031-06-01").get_data(as_text=True)
    assert "Ada&#39;s call" not in far and "date=2031-05-19" in far and "date=2031-06-02" in far
    assert logged_in_client.get("/sales/calendar?date=not-a-date&user=abc&view=zzz").status_code == 200


def test_calendar_hides_other_companies(logged_in_client, sales, other_company, db):
    today = datetime.now(UTC).replace(hour=12)
    add(db, other_company, "meeting", "Globex secret", today)
    assert "Globex secret" not in logged_in_client.get("/sales/calendar").get_data(as_text=True)


def _new_feed(client):
    import re

    page = client.post_form("/sales/calendar/feed", {}, token_from="/sales/calendar/feed").get_data(as_text=True)
    match = re.search(r'value="(http://crm\.test/sales/calendar/([A-Za-z0-9_-]+)\.ics)"', page)
    assert match, page
    return match.group(1), match.group(2)


def test_ical_feed_lists_my_tasks_and_meetings_and_regenerating_kills_the_old_url(logged_in_client, client, sales, company, user, db):
    from crm_sales.models_tasks import CalendarFeed

    now = datetime.now(UTC)
    task_id = add(db, company, "task", "Send contract", now + timedelta(days=2), user.id)
    meeting_id = add(db, company, "meeting", "Kick-off\nAgenda: scope", now + timedelta(days=3), author_id=user.id, minutes=45)
    add(db, company, "task", "Too old", now - timedelta(days=40), user.id)
    add(db, company, "task", "Too far", now + timedelta(days=200), user.id)
    other = make_user(company, "bob@acme.test", "member")
    add(db, company, "task", "Bob only", now + timedelta(days=1), other.id)
    assert "no feed yet" in logged_in_client.get("/sales/calendar/feed").get_data(as_text=True)
    url, token = _new_feed(logged_in_client)
    with tenancy.company_scope(company.id):
        stored = db.session.scalars(select(CalendarFeed)).one()
        assert stored.token_hash != token and len(stored.token_hash) == 64
    response = client.get(f"/sales/calendar/{token}.ics")  # anonymous
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(response.data)
    todos = list(cal.walk("VTODO"))
    events = list(cal.walk("VEVENT"))
    assert [str(t["summary"]) for t in todos] == ["Send contract"]
    assert str(todos[0]["uid"]) == f"task-{task_id}@crm.test" and str(todos[0]["status"]) == "NEEDS-ACTION"
    assert [str(e["summary"]) for e in events] == ["Kick-off"] and str(events[0]["uid"]) == f"meeting-{meeting_id}@crm.test"
    assert events[0].decoded("dtend") - events[0].decoded("dtstart") == timedelta(minutes=45)
    assert "Agenda: scope" in str(events[0]["description"])
    again = icalendar.Calendar.from_ical(client.get(f"/sales/calendar/{token}.ics").data)
    assert [str(t["uid"]) for t in again.walk("VTODO")] == [str(t["uid"]) for t in todos]  # stable UIDs
    page = logged_in_client.get("/sales/calendar/feed").get_data(as_text=True)
    assert token not in page and "active since" in page
    _, new_token = _new_feed(logged_in_client)
    assert new_token != token
    assert client.get(f"/sales/calendar/{token}.ics").status_code == 404
    assert client.get(f"/sales/calendar/{new_token}.ics").status_code == 200
    assert client.get("/sales/calendar/short.ics").status_code == 404
    assert client.get("/sales/calendar/" + "x" * 43 + ".ics").status_code == 404


def test_feed_stops_when_the_plugin_is_off_or_the_user_leaves(logged_in_client, client, sales, company, user, db):
    from crm_platform.plugins.runtime import set_enabled

    _, token = _new_feed(logged_in_client)
    assert client.get(f"/sales/calendar/{token}.ics").status_code == 200
    set_enabled(company, "sales", False)
    assert client.get(f"/sales/calendar/{token}.ics").status_code == 404
    set_enabled(company, "sales", True)
    assert client.get(f"/sales/calendar/{token}.ics").status_code == 200
    from crm_platform.companies.models import Membership

    with tenancy.company_scope(company.id):
        db.session.delete(db.session.scalars(select(Membership).where(Membership.user_id == user.id)).one())
        db.session.commit()
    assert client.get(f"/sales/calendar/{token}.ics").status_code == 404


def test_readonly_users_can_make_their_own_feed(client_as, client, sales):
    reader = client_as("readonly")
    _, token = _new_feed(reader)
    assert client.get(f"/sales/calendar/{token}.ics").status_code == 200
    assert reader.get("/sales/calendar").status_code == 200
