"""The company feed's filters: kind (plugin kinds too), author, open tasks, date range, with keyset pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from markupsafe import Markup

from crm_platform import tenancy
from crm_platform.contacts.models import Activity
from crm_platform.plugins import TimelineEntryType, hookimpl
from crm_platform.testing import make_user
from tests.timeline_helpers import add_person

START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


class StagePlugin:
    """A plugin entry type, as the sales plugin's stage changes."""

    @hookimpl
    def crm_timeline_entry_types(self):
        return [TimelineEntryType("fake_stage", "Stage moved", "deal", lambda a: Markup("<em>Moved:</em> {}").format(a.body))]


def seed(db, company, user_id, other_id):
    person = add_person(company, db)
    with tenancy.company_scope(company.id):
        for day in range(10):
            db.session.add(Activity(kind="note", body=f"note day {day}", person_id=person.id, author_id=user_id,
                                    created_at=START + timedelta(days=day)))
        db.session.add(Activity(kind="task", body="open task", person_id=person.id, author_id=other_id, created_at=START))
        db.session.add(Activity(kind="task", body="done task", person_id=person.id, author_id=other_id, created_at=START,
                                done_at=START))
        db.session.add(Activity(kind="fake_stage", body="to Won", person_id=person.id, created_at=START))
        db.session.commit()


def test_filters_by_open_tasks_author_and_dates(app, logged_in_client, company, user, db):
    app.extensions["crm"].pm.register(StagePlugin(), name="fake_stage_plugin")
    colleague = make_user(company, "bob@acme.test", "member", name="Bob Builder")
    seed(db, company, user.id, colleague.id)
    page = logged_in_client.get("/activity").get_data(as_text=True)
    assert '<option value="fake_stage">Stage moved</option>' in page  # plugin kinds are listed
    assert "<em>Moved:</em> to Won" in page  # and render with the plugin's own template
    assert 'name="open"' in page and 'name="from"' in page and 'name="to"' in page
    open_tasks = logged_in_client.get("/activity?open=1").get_data(as_text=True)
    assert "open task" in open_tasks and "done task" not in open_tasks and "note day" not in open_tasks
    by_bob = logged_in_client.get(f"/activity?author={colleague.id}").get_data(as_text=True)
    assert "open task" in by_bob and "note day" not in by_bob
    dated = logged_in_client.get("/activity?kind=note&from=2026-01-03&to=2026-01-05").get_data(as_text=True)
    assert [f"note day {d}" in dated for d in range(10)] == [d in (2, 3, 4) for d in range(10)]
    stage = logged_in_client.get("/activity?kind=fake_stage").get_data(as_text=True)
    assert "to Won" in stage and "note day" not in stage


def test_filtered_pages_keep_their_filters(app, logged_in_client, company, user, db):
    person = add_person(company, db)
    with tenancy.company_scope(company.id):
        for i in range(60):
            db.session.add(Activity(kind="call", body=f"call {i:02d}", person_id=person.id, author_id=user.id,
                                    created_at=START + timedelta(hours=i)))
        db.session.add(Activity(kind="note", body="other note", person_id=person.id, created_at=START + timedelta(hours=30)))
        db.session.commit()
    first = logged_in_client.get("/activity?kind=call&from=2026-01-01").get_data(as_text=True)
    older = first.split('id="timeline-more"')[1].split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert "kind=call" in older and "from=2026-01-01" in older and "before=" in older
    second = logged_in_client.get(older, headers={"HX-Request": "true"}).get_data(as_text=True)
    shown = [f"call {i:02d}" for i in range(60) if f"call {i:02d}" in first or f"call {i:02d}" in second]
    assert len(shown) == 60 and "other note" not in first + second
    assert all((f"call {i:02d}" in first) != (f"call {i:02d}" in second) for i in range(60))


def test_bad_filters_are_422(logged_in_client):
    for query in ("from=yesterday", "to=2026-02-30", "from=2026-02-02&to=2026-01-01", "open=maybe"):
        response = logged_in_client.get(f"/activity?{query}")
        assert response.status_code == 422, query
        assert 'class="alert alert-error"' in response.get_data(as_text=True)
