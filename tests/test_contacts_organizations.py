"""Organizations: list, search, keyset pagination, detail, create, edit, delete."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.contacts.models import Activity, Organization, Person
from crm_platform.testing import make_user

ORG_LINK = re.compile(r'href="/organizations/(\d+)"')


def add_organization(company: Any, db: Any, name: str = "Analytical Engines Ltd", **fields: Any) -> Organization:
    with tenancy.company_scope(company.id):
        organization = Organization(name=name, **fields)
        db.session.add(organization)
        db.session.commit()
        return organization


def add_person(company: Any, db: Any, **fields: Any) -> Person:
    with tenancy.company_scope(company.id):
        person = Person(**{"first_name": "Ada", "last_name": "Lovelace", **fields})
        db.session.add(person)
        db.session.commit()
        return person


def post(client: Any, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post_form(path, data or {}, token_from="/organizations")


def organizations(company: Any, db: Any) -> list[Organization]:
    with tenancy.company_scope(company.id):
        db.session.expire_all()
        return list(db.session.scalars(select(Organization).order_by(Organization.id)))


# List, search, pagination ---------------------------------------------------------


def test_empty_list(logged_in_client):
    html = logged_in_client.get("/organizations").get_data(as_text=True)
    assert "No organizations yet." in html and 'href="/organizations/new"' in html


def test_list_with_people_counts_and_safe_links(logged_in_client, company, db):
    organization = add_organization(company, db, website="https://engines.example", city="London", country="United Kingdom")
    add_organization(company, db, "Other Co", website="javascript:alert(1)")
    for _ in range(3):
        add_person(company, db, organization_id=organization.id)
    html = logged_in_client.get("/organizations").get_data(as_text=True)
    assert "Analytical Engines Ltd" in html and "London, United Kingdom" in html
    assert 'href="https://engines.example"' in html
    assert "javascript:" not in html
    assert re.search(r'<td class="numeric">3</td>', html)


def test_pagination_by_cursor_has_no_duplicates(logged_in_client, company, db):
    with tenancy.company_scope(company.id):
        db.session.add_all(Organization(name="Same name" if i % 3 == 0 else f"Org {i:02d}") for i in range(60))
        db.session.commit()
    html = logged_in_client.get("/organizations").get_data(as_text=True)
    page1 = ORG_LINK.findall(html)
    assert len(page1) == 50
    next_url = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    response = logged_in_client.get(next_url, headers={"HX-Request": "true"})
    page2 = ORG_LINK.findall(response.get_data(as_text=True))
    assert "<html" not in response.get_data(as_text=True)
    assert len(page2) == 10
    assert not set(page1) & set(page2)
    assert {int(i) for i in page1 + page2} == {o.id for o in organizations(company, db)}


def test_search_by_name_is_case_insensitive(logged_in_client, company, other_company, db):
    add_organization(company, db)
    add_organization(company, db, "Babbage & Sons")
    add_organization(other_company, db, "Analytical Rivals")
    html = logged_in_client.get("/organizations?q=ANALYTICAL").get_data(as_text=True)
    assert "Analytical Engines Ltd" in html
    assert "Babbage" not in html and "Rivals" not in html
    page = logged_in_client.get("/organizations").get_data(as_text=True)
    assert 'hx-trigger="input changed delay:300ms, search"' in page and 'hx-target="#organizations-results"' in page


def test_too_long_search_is_422(logged_in_client):
    assert logged_in_client.get("/organizations", query_string={"q": "x" * 201}).status_code == 422


# Detail ---------------------------------------------------------------------------


def test_detail_shows_facts_people_and_timeline(logged_in_client, company, db):
    organization = add_organization(company, db, industry="Computing", website="https://engines.example")
    person = add_person(company, db, organization_id=organization.id, job_title="Analyst")
    add_person(company, db, first_name="Elsewhere")
    with tenancy.company_scope(company.id):
        db.session.add(Activity(kind="meeting", body="Board meeting", organization_id=organization.id))
        db.session.commit()
    html = logged_in_client.get(f"/organizations/{organization.id}").get_data(as_text=True)
    assert "Computing" in html and "https://engines.example" in html
    assert f'href="/people/{person.id}"' in html and "Analyst" in html
    assert "Elsewhere" not in html
    assert "Board meeting" in html
    assert f'href="/people/new?organization={organization.id}"' in html


def test_detail_links_to_all_people_when_there_are_many(logged_in_client, company, db):
    organization = add_organization(company, db)
    with tenancy.company_scope(company.id):
        db.session.add_all(Person(first_name=f"P{i:02d}", organization_id=organization.id) for i in range(51))
        db.session.commit()
    html = logged_in_client.get(f"/organizations/{organization.id}").get_data(as_text=True)
    assert f'href="/people?organization={organization.id}"' in html


# Create, edit, delete -------------------------------------------------------------


def test_create_organization(logged_in_client, company, db):
    response = post(
        logged_in_client, "/organizations",
        {"name": " Analytical Engines ", "website": "engines.example", "industry": "Computing", "city": "London", "country": "UK"},
    )
    assert response.status_code == 303
    [organization] = organizations(company, db)
    assert (organization.name, organization.website) == ("Analytical Engines", "https://engines.example")
    assert response.headers["Location"].endswith(f"/organizations/{organization.id}")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Enter a name."),
        ({"name": "   "}, "Enter a name."),
        ({"name": "X", "website": "javascript:alert(1)"}, "Enter a web address"),
        ({"name": "X", "website": "ftp://files.example"}, "Enter a web address"),
        ({"name": "X", "website": "not a url"}, "Enter a web address"),
        ({"name": "X" * 201}, "longer than 200"),
    ],
)
def test_create_rejects_bad_input_with_422(logged_in_client, company, db, data, message):
    response = post(logged_in_client, "/organizations", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert organizations(company, db) == []


def test_edit_organization(logged_in_client, company, db):
    organization = add_organization(company, db)
    assert 'value="Analytical Engines Ltd"' in logged_in_client.get(f"/organizations/{organization.id}/edit").get_data(as_text=True)
    response = post(logged_in_client, f"/organizations/{organization.id}/edit", {"name": "Difference Engines", "website": "http://diff.example"})
    assert response.status_code == 303
    [saved] = organizations(company, db)
    assert (saved.name, saved.website) == ("Difference Engines", "http://diff.example")
    bad = post(logged_in_client, f"/organizations/{organization.id}/edit", {"name": ""})
    assert bad.status_code == 422
    assert organizations(company, db)[0].name == "Difference Engines"


def test_delete_keeps_people_and_their_notes(logged_in_client, company, db):
    organization = add_organization(company, db)
    person = add_person(company, db, organization_id=organization.id)
    with tenancy.company_scope(company.id):
        db.session.add(Activity(kind="note", body="about the person", person_id=person.id, organization_id=organization.id))
        db.session.add(Activity(kind="note", body="about the organization", organization_id=organization.id))
        db.session.commit()
    response = post(logged_in_client, f"/organizations/{organization.id}/delete", {"confirmed": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/organizations")
    assert organizations(company, db) == []
    with tenancy.company_scope(company.id):
        db.session.expire_all()
        kept = db.session.get(Person, person.id)
        assert kept is not None and kept.organization_id is None
        [note] = db.session.scalars(select(Activity)).unique().all()
        assert (note.body, note.person_id, note.organization_id) == ("about the person", person.id, None)


def test_org_names_are_escaped(logged_in_client, company, db):
    organization = add_organization(company, db, "<script>alert(1)</script>")
    add_person(company, db, organization_id=organization.id)
    for path in ("/organizations", f"/organizations/{organization.id}", "/people", "/people/new"):
        html = logged_in_client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


# Permissions and isolation --------------------------------------------------------


def test_member_can_create_readonly_cannot(client, company, db):
    organization = add_organization(company, db)
    make_user(company, "member@acme.example", "member")
    make_user(company, "ro@x.test", "readonly")
    client.login("ro@x.test")
    assert client.get("/organizations").status_code == 200
    assert client.get(f"/organizations/{organization.id}").status_code == 200
    assert client.get("/organizations/new").status_code == 403
    assert client.get(f"/organizations/{organization.id}/edit").status_code == 403
    for path in ("/organizations", f"/organizations/{organization.id}/edit", f"/organizations/{organization.id}/delete"):
        assert post(client, path, {"name": "Changed"}).status_code == 403, path
    assert [o.name for o in organizations(company, db)] == ["Analytical Engines Ltd"]
    member = client.application.test_client()
    member.login("member@acme.example")
    assert post(member, "/organizations", {"name": "Member Co"}).status_code == 303
    assert len(organizations(company, db)) == 2


def test_organization_of_another_company_is_not_found(logged_in_client, other_company, db):
    foreign = add_organization(other_company, db, "Globex")
    assert logged_in_client.get(f"/organizations/{foreign.id}").status_code == 404
    assert logged_in_client.get(f"/organizations/{foreign.id}/edit").status_code == 404
    assert post(logged_in_client, f"/organizations/{foreign.id}/edit", {"name": "Hacked"}).status_code == 404
    assert post(logged_in_client, f"/organizations/{foreign.id}/delete").status_code == 404
    assert [o.name for o in organizations(other_company, db)] == ["Globex"]
    assert "Globex" not in logged_in_client.get(f"/people?organization={foreign.id}").get_data(as_text=True)
    assert "Globex" not in logged_in_client.get(f"/people/new?organization={foreign.id}").get_data(as_text=True)
