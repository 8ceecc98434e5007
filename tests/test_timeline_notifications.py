"""Notifications: notify() with its email, the bell, the page, marking read."""

from __future__ import annotations

import pytest

from crm_platform import tenancy
from crm_platform.plugins import notify
from crm_platform.testing import make_user
from crm_platform.themes.models import Branding
from crm_platform.timeline.notifications import NotificationError, unread_count
from tests.timeline_helpers import notifications


def test_notify_stores_a_row_and_emails_after_commit(app, db, company, user, smtp_server):
    with tenancy.company_scope(company.id):
        db.session.add(Branding(email_footer="Acme Ltd · 1 Main Street"))
        db.session.commit()
        note = notify(user.id, "Deal closing today", link="/people/1", kind="reminder")
        assert smtp_server.messages == []  # nothing is sent before the commit
        db.session.commit()
    assert (note.kind, note.read_at) == ("reminder", None)
    [message] = smtp_server.messages
    assert message["To"] == user.email
    assert "Deal closing today" in message["Subject"]
    body = smtp_server.body()
    assert "http://crm.test/people/1" in body
    assert "Acme Ltd · 1 Main Street" in body


def test_a_rolled_back_notification_sends_nothing(app, db, company, user, smtp_server):
    with tenancy.company_scope(company.id):
        notify(user.id, "Never mind")
        db.session.rollback()
        db.session.commit()
    assert smtp_server.messages == []


def test_notify_refuses_strangers_bad_links_and_empty_text(app, db, company, other_company, user):
    stranger = make_user(other_company, "eve@globex.test")
    with tenancy.company_scope(company.id):
        for kwargs in (
            {"user_id": stranger.id, "text": "hi"},
            {"user_id": 99999, "text": "hi"},
            {"user_id": user.id, "text": "hi", "link": "https://evil.test/"},
            {"user_id": user.id, "text": "hi", "link": "//evil.test/"},
            {"user_id": user.id, "text": "  \n "},
        ):
            with pytest.raises(NotificationError):
                notify(**kwargs)
    with pytest.raises(NotificationError):
        notify(user.id, "no company")


def test_bell_shows_the_unread_count_and_polls(logged_in_client, db, company, user):
    html = logged_in_client.get("/people").get_data(as_text=True)
    assert 'id="notification-bell"' in html and 'hx-trigger="every 60s"' in html
    assert "bell-count" not in html
    with tenancy.company_scope(company.id):
        for i in range(3):
            notify(user.id, f"Ping {i}")
        db.session.commit()
    bell = logged_in_client.get("/notifications/bell", headers={"HX-Request": "true"})
    assert bell.status_code == 200 and "<html" not in bell.get_data(as_text=True)
    assert '<span class="bell-count" aria-hidden="true">3</span>' in bell.get_data(as_text=True)


def test_page_lists_only_my_notifications_of_this_company(logged_in_client, db, company, other_company, user):
    colleague = make_user(company, "bob@acme.test", "member")
    make_user(other_company, user.email)  # the same person is also in Globex
    with tenancy.company_scope(company.id):
        notify(user.id, "For Ada")
        notify(colleague.id, "For Bob")
        db.session.commit()
    with tenancy.company_scope(other_company.id):
        notify(user.id, "Ada at Globex")
        db.session.commit()
    html = logged_in_client.get("/notifications").get_data(as_text=True)
    assert "For Ada" in html
    assert "For Bob" not in html and "Ada at Globex" not in html


def test_mark_read_and_mark_all_read(logged_in_client, db, company, user):
    colleague = make_user(company, "bob@acme.test", "member")
    with tenancy.company_scope(company.id):
        first = notify(user.id, "First", link="/people")
        notify(user.id, "Second")
        theirs = notify(colleague.id, "Bob's")
        db.session.commit()
        first_id, theirs_id = first.id, theirs.id
    response = logged_in_client.htmx("POST", f"/notifications/{first_id}/read", token_from="/notifications")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="notification-{first_id}"' in html and "is-unread" not in html.split('id="notification-bell"')[0]
    assert 'hx-swap-oob="true"' in html  # the bell is refreshed too
    # somebody else's notification is not found
    assert logged_in_client.htmx("POST", f"/notifications/{theirs_id}/read", token_from="/notifications").status_code == 404
    opened = logged_in_client.post_form(f"/notifications/{first_id}/read", {"open": "1"}, token_from="/notifications")
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/people")
    response = logged_in_client.htmx("POST", "/notifications/read-all", token_from="/notifications")
    assert response.headers["HX-Redirect"] == "/notifications"
    with tenancy.company_scope(company.id):
        assert unread_count(user.id) == 0
        assert unread_count(colleague.id) == 1


def test_readonly_users_may_mark_their_notifications_read(app, db, company, client):
    reader = make_user(company, "reader@acme.test", "readonly")
    with tenancy.company_scope(company.id):
        note = notify(reader.id, "Look at this")
        db.session.commit()
        note_id = note.id
    assert client.login(reader.email).status_code == 303
    assert client.htmx("POST", f"/notifications/{note_id}/read", token_from="/notifications").status_code == 200
    assert notifications(company, db)[0].read_at is not None


def test_marking_read_needs_csrf(logged_in_client, db, company, user):
    with tenancy.company_scope(company.id):
        note = notify(user.id, "Hello")
        db.session.commit()
        note_id = note.id
    assert logged_in_client.post(f"/notifications/{note_id}/read").status_code == 400
