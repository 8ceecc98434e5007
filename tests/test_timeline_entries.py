"""The composer: notes, calls, meetings, logged emails and tasks; bad input; permissions; task toggling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm_platform import tenancy
from crm_platform.contacts.models import Activity
from crm_platform.plugins import add_task
from crm_platform.testing import make_user
from tests.timeline_helpers import add_organization, add_person, htmx_post, rows


def test_person_page_has_the_composer_with_every_kind(logged_in_client, company, db):
    person = add_person(company, db)
    html = logged_in_client.get(f"/people/{person.id}").get_data(as_text=True)
    assert 'id="note-form"' in html and 'enctype="multipart/form-data"' in html
    for kind in ("note", "call", "meeting", "email", "task"):
        assert f'id="composer-kind-{kind}"' in html
    assert 'data-mentions="/timeline/mentions"' in html
    assert "Ada Admin" in html  # assignee choices are the company's members


def test_note_is_markdown(logged_in_client, company, user, db):
    person = add_person(company, db)
    response = htmx_post(logged_in_client, f"/people/{person.id}/activities", {"kind": "note", "body": "**Renewal** agreed\n\n- price\n- date"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<div class="timeline-body markdown" hx-disable><p><strong>Renewal</strong> agreed</p>' in html
    assert "<li>price</li>" in html
    assert "by Ada Admin" in html


def test_call_with_time_and_duration(logged_in_client, company, db):
    person = add_person(company, db)
    response = htmx_post(logged_in_client, f"/people/{person.id}/activities",
                         {"kind": "call", "body": "Quick call", "when": "2026-04-01T09:15", "duration": "15"})
    assert response.status_code == 200
    [call] = rows(company, db)
    assert (call.kind, call.duration_minutes) == ("call", 15)
    assert "1 Apr 2026, 09:15" in response.get_data(as_text=True)


def test_meeting_shows_start_and_duration(logged_in_client, company, db):
    person = add_person(company, db)
    response = htmx_post(logged_in_client, f"/people/{person.id}/activities",
                         {"kind": "meeting", "body": "Quarterly review", "when": "2026-03-02T14:30", "duration": "45"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Starts" in html and "2 Mar 2026, 14:30" in html and "45 min" in html
    [meeting] = rows(company, db)
    assert meeting.scheduled_at.replace(tzinfo=UTC) == datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def test_logged_email_has_subject_and_direction(logged_in_client, company, db):
    organization = add_organization(company, db)
    response = htmx_post(logged_in_client, f"/organizations/{organization.id}/activities",
                         {"kind": "email", "subject": "Re: your offer", "direction": "in", "body": "Looks good."})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Re: your offer" in html and "Received" in html
    [email] = rows(company, db)
    assert (email.subject, email.direction, email.organization_id, email.person_id) == ("Re: your offer", "in", organization.id, None)


def test_task_shows_due_assignee_overdue_and_a_done_checkbox(logged_in_client, company, user, db):
    colleague = make_user(company, "bob@acme.test", "member", name="Bob Builder")
    person = add_person(company, db)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = htmx_post(logged_in_client, f"/people/{person.id}/activities",
                         {"kind": "task", "body": "Send the contract", "when": yesterday, "assignee": str(colleague.id)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "is-overdue" in html and "Overdue" in html and "for Bob Builder" in html
    [task] = rows(company, db)
    assert 'name="done" value="1">' in html  # not checked yet
    assert f'hx-post="/activities/{task.id}/done"' in html and 'hx-trigger="change"' in html
    done = htmx_post(logged_in_client, f"/activities/{task.id}/done", {"done": "1", "next": f"/people/{person.id}"})
    assert done.status_code == 200
    assert "is-done" in done.get_data(as_text=True) and "checked" in done.get_data(as_text=True)
    assert rows(company, db)[0].done_at is not None
    reopened = htmx_post(logged_in_client, f"/activities/{task.id}/done", {"next": f"/people/{person.id}"})
    assert "is-overdue" in reopened.get_data(as_text=True)
    assert rows(company, db)[0].done_at is None


def test_task_toggle_without_javascript_redirects(logged_in_client, company, user, db):
    person = add_person(company, db)
    with tenancy.company_scope(company.id):
        task = add_task("Plain form", person=person, due_at=None, assignee_id=user.id)
        db.session.commit()
        task_id = task.id
    response = logged_in_client.post_form(f"/activities/{task_id}/done", {"done": "1", "next": "https://evil.test/"}, token_from="/people")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/people/{person.id}#activity-{task_id}"


def test_only_tasks_can_be_ticked(logged_in_client, company, db):
    person = add_person(company, db)
    with tenancy.company_scope(company.id):
        note = Activity(kind="note", body="x", person_id=person.id)
        db.session.add(note)
        db.session.commit()
        note_id = note.id
    assert htmx_post(logged_in_client, f"/activities/{note_id}/done", {"done": "1"}).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "note", "body": "   "}, "Write something first."),
        ({"kind": "task", "body": "Do it", "when": "tomorrow-ish"}, "Not a valid datetime value."),
        ({"kind": "meeting", "body": "Lunch", "when": "2026-13-45T99:99", "duration": "30"}, "Not a valid datetime value."),
        ({"kind": "meeting", "body": "Lunch", "duration": "30"}, "Give the start date and time."),
        ({"kind": "meeting", "body": "Lunch", "when": "2026-03-02T12:00", "duration": "0"}, "1 to 1440 minutes."),
        ({"kind": "email", "body": "Hi", "direction": "out"}, "Give the email&#39;s subject."),
        ({"kind": "task", "body": "Do it", "assignee": "abc"}, "Choose a colleague from this company."),
        ({"kind": "bogus", "body": "Do it"}, "Not a valid choice."),
    ],
)
def test_bad_input_is_a_422_fragment(logged_in_client, company, db, data, message):
    person = add_person(company, db)
    response = htmx_post(logged_in_client, f"/people/{person.id}/activities", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#note-form"
    assert "<html" not in html and message in html
    assert rows(company, db) == []


def test_a_refused_entry_keeps_what_was_typed_and_marks_the_field(logged_in_client, company, db):
    person = add_person(company, db)
    data = {"kind": "meeting", "body": "Lunch <with> the team", "duration": "45", "subject": "Kept"}
    html = htmx_post(logged_in_client, f"/people/{person.id}/activities", data).get_data(as_text=True)
    assert 'id="composer-kind-meeting" value="meeting" checked' in html
    assert "Lunch &lt;with&gt; the team</textarea>" in html and 'value="45"' in html and 'value="Kept"' in html
    assert 'id="when" name="when" type="datetime-local" value="" aria-invalid="true" aria-describedby="when-error when-hint"' in html
    assert '<p class="error" id="when-error">Give the start date and time.</p>' in html
    assert html.count('aria-invalid="true"') == 1


def test_assignee_of_another_company_is_refused(logged_in_client, company, other_company, db):
    stranger = make_user(other_company, "eve@globex.test", "owner")
    person = add_person(company, db)
    response = htmx_post(logged_in_client, f"/people/{person.id}/activities", {"kind": "task", "body": "Do it", "assignee": str(stranger.id)})
    assert response.status_code == 422
    assert "Choose a colleague from this company." in response.get_data(as_text=True)
    assert rows(company, db) == []


def test_bad_input_without_javascript_is_the_page_with_errors(logged_in_client, company, db):
    person = add_person(company, db)
    response = logged_in_client.post_form(f"/people/{person.id}/activities", {"kind": "email", "body": "Hi"}, token_from="/people")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" in html and "Give the email&#39;s subject." in html and "Grace Hopper" in html


def test_readonly_users_cannot_add_or_tick(app, db, company, user, client):
    reader = make_user(company, "reader@acme.test", "readonly")
    person = add_person(company, db)
    with tenancy.company_scope(company.id):
        task = add_task("Look", person=person, due_at=None, assignee_id=user.id)
        db.session.commit()
        task_id = task.id
    assert client.login(reader.email).status_code == 303
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert 'id="note-form"' not in page and f"/activities/{task_id}/done" not in page
    assert htmx_post(client, f"/people/{person.id}/activities", {"kind": "note", "body": "x"}).status_code == 403
    assert htmx_post(client, f"/activities/{task_id}/done", {"done": "1"}).status_code == 403
    assert rows(company, db, Activity, Activity.kind == "note") == []
    assert rows(company, db)[0].done_at is None


def test_tasks_of_another_company_are_not_found(logged_in_client, company, other_company, db):
    owner = make_user(other_company, "eve@globex.test", "owner")
    with tenancy.company_scope(other_company.id):
        task = add_task("Theirs", due_at=None, assignee_id=owner.id)
        db.session.commit()
        task_id = task.id
    assert htmx_post(logged_in_client, f"/activities/{task_id}/done", {"done": "1"}).status_code == 404
    assert rows(other_company, db)[0].done_at is None
