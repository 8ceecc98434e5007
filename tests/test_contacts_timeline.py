"""The timeline: inline notes with htmx, keyset "older" pages, deleting entries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from crm_platform import tenancy
from crm_platform.contacts.services import TIMELINE_SIZE
from crm_platform.contacts.models import Activity, Organization, Person
from crm_platform.testing import make_user


def add_person(company: Any, db: Any, organization: Organization | None = None, **fields: Any) -> Person:
    with tenancy.company_scope(company.id):
        person = Person(first_name="Ada", last_name="Lovelace", organization_id=organization.id if organization else None, **fields)
        db.session.add(person)
        db.session.commit()
        return person


def add_organization(company: Any, db: Any, name: str = "Analytical Engines Ltd") -> Organization:
    with tenancy.company_scope(company.id):
        organization = Organization(name=name)
        db.session.add(organization)
        db.session.commit()
        return organization


def add_activity(company: Any, db: Any, **fields: Any) -> Activity:
    with tenancy.company_scope(company.id):
        activity = Activity(**{"kind": "note", "body": "A note", **fields})
        db.session.add(activity)
        db.session.commit()
        return activity


def activities(company: Any, db: Any) -> list[Activity]:
    with tenancy.company_scope(company.id):
        db.session.expire_all()
        return list(db.session.scalars(select(Activity).order_by(Activity.id)).unique())


def post(client: Any, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post_form(path, data or {}, token_from="/people")


# Adding notes ---------------------------------------------------------------------


def test_detail_page_has_the_inline_note_form(logged_in_client, company, db):
    person = add_person(company, db)
    html = logged_in_client.get(f"/people/{person.id}").get_data(as_text=True)
    assert f'hx-post="/people/{person.id}/activities"' in html
    assert 'hx-target="#timeline-list"' in html
    assert "Nothing on the timeline yet." in html


def test_htmx_note_returns_the_new_entry(logged_in_client, company, user, db):
    organization = add_organization(company, db)
    person = add_person(company, db, organization)
    response = logged_in_client.htmx(
        "POST", f"/people/{person.id}/activities", {"kind": "call", "body": "Called about\nthe renewal"}, token_from="/people"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<li class="timeline-entry timeline-call"')
    assert "<p>Called about<br>\nthe renewal</p>" in html  # Markdown, line breaks kept
    assert 'id="note-form"' in html and 'hx-swap-oob="true"' in html
    assert '<p id="timeline-empty" hx-swap-oob="delete"></p>' in html
    [activity] = activities(company, db)
    assert (activity.kind, activity.person_id, activity.author_id) == ("call", person.id, user.id)
    assert activity.organization_id == organization.id  # shows on the organization's timeline too
    again = logged_in_client.htmx("POST", f"/people/{person.id}/activities", {"kind": "note", "body": "Second"}, token_from="/people")
    assert "timeline-empty" not in again.get_data(as_text=True)


def test_htmx_empty_note_is_422_with_the_error(logged_in_client, company, db):
    person = add_person(company, db)
    response = logged_in_client.htmx("POST", f"/people/{person.id}/activities", {"kind": "note", "body": "   "}, token_from="/people")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html
    assert 'id="note-form"' in html and "Write something first." in html
    assert response.headers["HX-Retarget"] == "#note-form"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert activities(company, db) == []


def test_htmx_unknown_kind_is_422(logged_in_client, company, db):
    person = add_person(company, db)
    response = logged_in_client.htmx("POST", f"/people/{person.id}/activities", {"kind": "gossip", "body": "x"}, token_from="/people")
    assert response.status_code == 422
    assert activities(company, db) == []


def test_note_without_javascript(logged_in_client, company, db):
    person = add_person(company, db)
    response = post(logged_in_client, f"/people/{person.id}/activities",
                    {"kind": "meeting", "body": "Lunch", "when": "2026-03-02T12:30", "duration": "60"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/people/{person.id}")
    page = logged_in_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lunch" in page and "Added to the timeline." in page
    bad = post(logged_in_client, f"/people/{person.id}/activities", {"kind": "meeting", "body": ""})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "<html" in html and "Write something first." in html and "Lunch" in html


def test_note_markup_is_escaped(logged_in_client, company, db):
    person = add_person(company, db)
    response = logged_in_client.htmx(
        "POST", f"/people/{person.id}/activities", {"kind": "note", "body": "<script>alert(1)</script>"}, token_from="/people"
    )
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert "&lt;script&gt;" in response.get_data(as_text=True)
    page = logged_in_client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_member_can_add_notes(client, company, db):
    person = add_person(company, db)
    make_user(company, "member@acme.example", "member")
    client.login("member@acme.example")
    assert post(client, f"/people/{person.id}/activities", {"kind": "note", "body": "hi"}).status_code == 303


def test_organization_notes(logged_in_client, company, db):
    organization = add_organization(company, db)
    response = logged_in_client.htmx(
        "POST", f"/organizations/{organization.id}/activities", {"kind": "note", "body": "Visited HQ"}, token_from="/people"
    )
    assert response.status_code == 200
    [activity] = activities(company, db)
    assert (activity.organization_id, activity.person_id) == (organization.id, None)
    page = logged_in_client.get(f"/organizations/{organization.id}").get_data(as_text=True)
    assert "Visited HQ" in page


# Reading the timeline -------------------------------------------------------------


def test_timeline_is_newest_first_and_pages_by_cursor(logged_in_client, company, db):
    person = add_person(company, db)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    total = TIMELINE_SIZE + 10
    with tenancy.company_scope(company.id):
        db.session.add_all(
            Activity(kind="note", body=f"entry-{i:02d}", person_id=person.id, created_at=start + timedelta(hours=i)) for i in range(total)
        )
        # two entries at the very same moment: the id breaks the tie
        db.session.add_all(Activity(kind="note", body=f"tie-{i}", person_id=person.id, created_at=start) for i in range(2))
        db.session.commit()
    html = logged_in_client.get(f"/people/{person.id}").get_data(as_text=True)
    first = re.findall(r"(entry-\d\d|tie-\d)", html)
    assert first == [f"entry-{i:02d}" for i in range(total - 1, total - 1 - TIMELINE_SIZE, -1)]
    older = re.search(r'id="timeline-more".*?href="([^"]+)" hx-get="([^"]+)" hx-target="#timeline-more"', html, re.S)
    assert older and older.group(1) == older.group(2)
    url = older.group(1).replace("&amp;", "&")
    fragment = logged_in_client.get(url, headers={"HX-Request": "true"})
    rest = re.findall(r"(entry-\d\d|tie-\d)", fragment.get_data(as_text=True))
    # entry-00, tie-0 and tie-1 share a timestamp: the newer id comes first
    assert rest == [f"entry-{i:02d}" for i in range(9, 0, -1)] + ["tie-1", "tie-0", "entry-00"]
    assert "<html" not in fragment.get_data(as_text=True)
    assert "timeline-more" not in fragment.get_data(as_text=True)
    page = logged_in_client.get(url).get_data(as_text=True)
    assert "<html" in page and "back to the newest" in page


def test_organization_timeline_includes_its_peoples_activities(logged_in_client, company, db):
    organization = add_organization(company, db)
    person = add_person(company, db, organization)
    add_activity(company, db, body="About the person", person_id=person.id, organization_id=organization.id)
    add_activity(company, db, body="About the company", organization_id=organization.id)
    add_activity(company, db, body="Elsewhere")
    html = logged_in_client.get(f"/organizations/{organization.id}").get_data(as_text=True)
    assert "About the person" in html and "About the company" in html and "Elsewhere" not in html
    assert f'about <a href="/people/{person.id}">Ada Lovelace</a>' in html


# Deleting entries -----------------------------------------------------------------


def test_author_deletes_own_entry_with_htmx(client, company, db):
    member = make_user(company, "member@acme.example", "member")
    person = add_person(company, db)
    activity = add_activity(company, db, person_id=person.id, author_id=member.id)
    client.login("member@acme.example")
    assert f"/activities/{activity.id}/delete" in client.get(f"/people/{person.id}").get_data(as_text=True)
    response = client.htmx("POST", f"/activities/{activity.id}/delete", token_from="/people")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == ""
    assert activities(company, db) == []


def test_other_members_may_not_delete_an_entry(client, company, user, db):
    make_user(company, "member@acme.example", "member")
    person = add_person(company, db)
    activity = add_activity(company, db, person_id=person.id, author_id=user.id)
    client.login("member@acme.example")
    assert f"/activities/{activity.id}/delete" not in client.get(f"/people/{person.id}").get_data(as_text=True)
    assert post(client, f"/activities/{activity.id}/delete").status_code == 403
    assert client.htmx("POST", f"/activities/{activity.id}/delete", token_from="/people").status_code == 403
    assert len(activities(company, db)) == 1


def test_admins_delete_anybodys_entry(logged_in_client, company, db):
    member = make_user(company, "member@acme.example", "member")
    person = add_person(company, db)
    activity = add_activity(company, db, person_id=person.id, author_id=member.id)
    response = post(logged_in_client, f"/activities/{activity.id}/delete", {"next": f"/people/{person.id}"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/people/{person.id}")
    assert activities(company, db) == []


def test_delete_ignores_a_foreign_next_url(logged_in_client, company, db):
    person = add_person(company, db)
    activity = add_activity(company, db, person_id=person.id)
    response = post(logged_in_client, f"/activities/{activity.id}/delete", {"next": "https://evil.example/"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/people/{person.id}")


def test_readonly_cannot_delete_entries(client, company, db):
    person = add_person(company, db)
    activity = add_activity(company, db, person_id=person.id)
    make_user(company, "ro@x.test", "readonly")
    client.login("ro@x.test")
    assert post(client, f"/activities/{activity.id}/delete").status_code == 403
    assert post(client, f"/organizations/{add_organization(company, db).id}/activities", {"kind": "note", "body": "x"}).status_code == 403
    assert len(activities(company, db)) == 1


def test_entries_of_another_company_are_not_found(logged_in_client, company, other_company, db):
    foreign_org = add_organization(other_company, db, "Globex")
    activity = add_activity(other_company, db, organization_id=foreign_org.id)
    assert post(logged_in_client, f"/activities/{activity.id}/delete").status_code == 404
    assert post(logged_in_client, f"/organizations/{foreign_org.id}/activities", {"kind": "note", "body": "x"}).status_code == 404
    with tenancy.company_scope(other_company.id):
        assert db.session.scalar(select(func.count()).select_from(Activity)) == 1
