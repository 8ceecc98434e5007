"""@mentions: suggestions list only the company's members; saving notifies exactly the mentioned members."""

from __future__ import annotations

from crm_platform.testing import make_user
from crm_platform.timeline.models import Notification
from tests.timeline_helpers import add_person, htmx_post, notifications, rows


def test_suggestions_list_matching_members_of_this_company_only(logged_in_client, company, other_company, db):
    make_user(company, "bob@acme.test", "member", name="Bob Builder")
    make_user(company, "barbara@acme.test", "member", name="Barbara Liskov")
    make_user(other_company, "bobby@globex.test", "member", name="Bobby Tables")
    response = logged_in_client.get("/timeline/mentions?q=b", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "Bob Builder" in html and "Barbara Liskov" in html
    assert "Bobby Tables" not in html
    assert 'role="option"' in html and 'aria-selected="true"' in html
    liskov = logged_in_client.get("/timeline/mentions?q=lis").get_data(as_text=True)  # a later word of the name
    assert "Barbara Liskov" in liskov and "Bob Builder" not in liskov
    none = logged_in_client.get("/timeline/mentions?q=zzz%25").get_data(as_text=True)
    assert "Nobody in this company by that name" in none


def test_readonly_users_get_no_suggestions(app, company, client, db):
    reader = make_user(company, "reader@acme.test", "readonly")
    assert client.login(reader.email).status_code == 303
    assert client.get("/timeline/mentions?q=a").status_code == 403


def test_a_mention_notifies_exactly_the_mentioned_member_by_email(logged_in_client, company, other_company, user, db, smtp_server):
    bob = make_user(company, "bob@acme.test", "member", name="Bob Builder")
    make_user(company, "carol@acme.test", "member", name="Carol")
    stranger = make_user(other_company, "eve@globex.test", "owner", name="Eve")
    person = add_person(company, db)
    body = (
        f"Please call back, @[Bob Builder](user:{bob.id}). Not @[Eve](user:{stranger.id}), "
        f"not @[Ghost](user:987654), and me @[Ada Admin](user:{user.id}); again @[Bob](user:{bob.id})"
    )
    response = htmx_post(logged_in_client, f"/people/{person.id}/activities", {"kind": "note", "body": body})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<span class="mention" data-user-id="{bob.id}">@Bob Builder</span>' in html
    [entry] = rows(company, db)
    [note] = notifications(company, db)
    assert (note.user_id, note.kind, note.actor_id) == (bob.id, "mention", user.id)
    assert note.link == f"/people/{person.id}#activity-{entry.id}"
    assert note.text.startswith("Ada Admin mentioned you on Grace Hopper: Please call back, @Bob Builder.")
    assert notifications(other_company, db) == []
    assert [message["To"] for message in smtp_server.messages] == ["bob@acme.test"]
    assert f"http://crm.test/people/{person.id}#activity-{entry.id}" in smtp_server.body()


def test_notification_links_to_the_entry(logged_in_client, company, user, db, smtp_server):
    bob = make_user(company, "bob@acme.test", "member", name="Bob Builder")
    person = add_person(company, db)
    htmx_post(logged_in_client, f"/people/{person.id}/activities", {"kind": "call", "body": f"@[Bob](user:{bob.id}) FYI"})
    bob_client = logged_in_client.application.test_client()
    assert bob_client.login(bob.email).status_code == 303
    page = bob_client.get("/notifications").get_data(as_text=True)
    assert "Ada Admin mentioned you on Grace Hopper" in page
    bell = bob_client.get("/notifications/bell").get_data(as_text=True)
    assert ">1</span>" in bell
    [note] = notifications(company, db, Notification.user_id == bob.id)
    opened = bob_client.post_form(f"/notifications/{note.id}/read", {"open": "1"}, token_from="/notifications")
    assert opened.status_code == 303 and opened.headers["Location"].startswith(f"/people/{person.id}#activity-")
