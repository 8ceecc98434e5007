"""Timeline entries built in Python (crm_platform/timeline/entry_html.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import g, url_for
from markupsafe import Markup

from crm_platform.auth.models import User
from crm_platform.contacts.models import Activity, Person
from crm_platform.plugins.types import TimelineEntryType
from crm_platform.timeline.entry_html import timeline_entries, timeline_entry
from crm_platform.timeline.models import Attachment

NOW = datetime.now(UTC)


def _activity(**changes) -> Activity:
    values = dict(id=41, kind="note", body="**Hi** <script>x()</script>", created_at=NOW - timedelta(hours=1),
                  author_id=None, person_id=7, subject="", direction=None)
    values.update(changes)
    return Activity(**values)


def _page(app, role: str = "owner", entry_types: dict | None = None):
    context = app.test_request_context("/people/7")
    context.push()
    g.role = role
    g.crm_timeline_entry_types = entry_types or {}
    return context


def test_a_note_is_escaped_sanitised_and_deletable_by_an_owner(app):
    context = _page(app)
    try:
        activity = _activity()
        activity.author = User(id=3, email="ann@example.com", name="Ann <Admin>")
        html = str(timeline_entry(activity, "/people/7?x=<'>"))
        delete_url = url_for("contacts.delete_activity", activity_id=41)
    finally:
        context.pop()
    assert html.startswith('<li class="timeline-entry timeline-note" id="activity-41">')
    assert "<script>" not in html and "<strong>Hi</strong>" in html and 'hx-disable' in html
    assert "by Ann &lt;Admin&gt;" in html
    assert f'action="{delete_url}" hx-post="{delete_url}"' in html
    assert 'name="next" value="/people/7?x=&lt;&#39;&gt;"' in html


def test_tasks_show_their_state_and_a_toggle_only_to_editors(app):
    context = _page(app, role="readonly")
    try:
        overdue = _activity(kind="task", scheduled_at=NOW - timedelta(days=1))
        done = _activity(id=42, kind="task", scheduled_at=NOW - timedelta(days=1), done_at=NOW)
        read_only = str(timeline_entries([overdue, done]))
    finally:
        context.pop()
    assert 'class="timeline-entry timeline-task is-overdue"' in read_only
    assert 'class="timeline-entry timeline-task is-done"' in read_only
    assert '<span class="badge badge-danger">Overdue</span>' in read_only and "<form" not in read_only
    context = _page(app, role="member")
    try:
        html = str(timeline_entries([overdue, done], "/people/7", show_subject=True))
        toggle_url = url_for("timeline.toggle_done", activity_id=42)
    finally:
        context.pop()
    assert html.count('class="task-toggle"') == 2 and f'hx-post="{toggle_url}"' in html
    assert 'value="1" checked> Done' in html and 'value="1"> Mark done' in html
    assert html.count('name="show_subject" value="1"') == 2
    tokens = {part.split('"')[0] for part in html.split('name="csrf_token" value="')[1:]}
    assert len(tokens) == 1 and "" not in tokens  # one token for the page, in every form
    assert "Delete" not in html  # a member deletes only their own entries


def test_calls_emails_attachments_and_the_subject_of_the_feed(app):
    context = _page(app, role="admin")
    try:
        person = Person(id=7, first_name="Grace", last_name="Hopper")
        call = _activity(kind="call", scheduled_at=NOW, duration_minutes=15)
        email = _activity(id=43, kind="email", direction="in", subject="Re: <quote>")
        email.attachments = [Attachment(id=9, filename="q<1>.pdf", size=2048, content_type="application/pdf")]
        call.person = email.person = person
        html = str(timeline_entries([call, email], "/feed", show_subject=True))
        person_url = url_for("contacts.person", person_id=7)
        download_url = url_for("timeline.download", attachment_id=9)
    finally:
        context.pop()
    assert "<span>At <time" in html and "· 15 min" in html
    assert '<span class="badge badge-info">Received</span>' in html and "Re: &lt;quote&gt;" in html
    assert f'<a href="{download_url}" download>' in html and "q&lt;1&gt;.pdf" in html and "2 KB" in html
    assert html.count(f'· about <a href="{person_url}">Grace Hopper</a>') == 2


def test_a_plugin_kind_renders_with_its_own_function_and_a_failure_is_contained(app):
    def broken(activity):
        raise RuntimeError("boom")

    types = {
        "deal_won": TimelineEntryType("deal_won", "Deal <won>", "sales-won", lambda a: Markup("<b>Won</b>")),
        "deal_lost": TimelineEntryType("deal_lost", "Deal lost", "sales-lost", broken),
    }
    context = _page(app, entry_types=types)
    try:
        html = str(timeline_entries([_activity(kind="deal_won", body="ignored"), _activity(id=44, kind="deal_lost")]))
    finally:
        context.pop()
    assert '<span class="icon icon-sales-won" aria-hidden="true"></span>Deal &lt;won&gt;' in html
    assert '<div class="timeline-body"><b>Won</b></div>' in html and "ignored" not in html
    assert 'id="activity-44"' in html and "boom" not in html  # the error box, not the exception
