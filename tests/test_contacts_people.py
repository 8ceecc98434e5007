"""People: the list, search as you type, filters and keyset pagination."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import event, select

from crm_platform import tenancy
from crm_platform.contacts.models import Organization, Person

PERSON_LINK = re.compile(r'href="/people/(\d+)"')


def add_person(company: Any, db: Any, **fields: Any) -> Person:
    """Create a person in ``company`` directly in the database."""
    with tenancy.company_scope(company.id):
        person = Person(**{"first_name": "Ada", "last_name": "Lovelace", **fields})
        db.session.add(person)
        db.session.commit()
        return person


def add_organization(company: Any, db: Any, name: str = "Analytical Engines Ltd", **fields: Any) -> Organization:
    """Create an organization in ``company`` directly in the database."""
    with tenancy.company_scope(company.id):
        organization = Organization(name=name, **fields)
        db.session.add(organization)
        db.session.commit()
        return organization


# Navigation and list --------------------------------------------------------------


def test_sidebar_links_people_and_organizations(logged_in_client):
    html = logged_in_client.get("/").get_data(as_text=True)
    assert 'href="/people"' in html
    assert 'href="/organizations"' in html
    assert "icon-user" in html and "icon-building" in html


def test_list_needs_sign_in(client, company):
    response = client.get("/people")
    assert response.status_code == 303
    assert "/login" in response.headers["Location"]


def test_empty_list_offers_to_add_somebody(logged_in_client):
    html = logged_in_client.get("/people").get_data(as_text=True)
    assert "No people yet." in html
    assert 'href="/people/new"' in html


def test_list_shows_people_with_organization_and_owner(logged_in_client, company, user, db):
    organization = add_organization(company, db)
    add_person(company, db, organization_id=organization.id, owner_id=user.id, email="ada@engines.example")
    html = logged_in_client.get("/people").get_data(as_text=True)
    assert "Ada Lovelace" in html
    assert f'href="/organizations/{organization.id}"' in html
    assert "Analytical Engines Ltd" in html
    assert "Ada Admin" in html
    assert "mailto:ada@engines.example" in html


def test_list_shows_only_the_current_company(logged_in_client, company, other_company, db):
    add_person(company, db, first_name="Mine")
    add_person(other_company, db, first_name="Theirs")
    html = logged_in_client.get("/people").get_data(as_text=True)
    assert "Mine Lovelace" in html
    assert "Theirs" not in html


def test_pagination_by_cursor_has_no_duplicates(logged_in_client, company, db):
    with tenancy.company_scope(company.id):
        db.session.add_all(Person(first_name=f"P{i:02d}", last_name="Same" if i % 2 else f"L{i:02d}") for i in range(60))
        db.session.commit()
    first = logged_in_client.get("/people")
    html = first.get_data(as_text=True)
    page1 = PERSON_LINK.findall(html)
    assert len(page1) == 50
    match = re.search(r'<a class="btn btn-small" rel="next" href="(/people\?cursor=[^"]+)" hx-get="([^"]+)"', html)
    assert match, "no next-page link"
    assert match.group(1) == match.group(2)
    assert 'hx-push-url="true"' in match.group(0) or 'hx-push-url="true"' in html
    second = logged_in_client.get(match.group(1).replace("&amp;", "&"))
    page2 = PERSON_LINK.findall(second.get_data(as_text=True))
    assert len(page2) == 10
    assert not set(page1) & set(page2)
    with tenancy.company_scope(company.id):
        all_ids = {str(i) for i in db.session.scalars(select(Person.id))}
    assert set(page1) | set(page2) == all_ids
    assert 'rel="next"' not in second.get_data(as_text=True)
    assert "First page" in second.get_data(as_text=True)


def test_pagination_is_sorted_by_last_then_first_name(logged_in_client, company, db):
    for first, last in (("Bea", "Zed"), ("Al", "Young"), ("Cy", "Young")):
        add_person(company, db, first_name=first, last_name=last)
    html = logged_in_client.get("/people").get_data(as_text=True)
    assert html.index("Al Young") < html.index("Cy Young") < html.index("Bea Zed")


def test_next_page_keeps_the_search(logged_in_client, company, db):
    with tenancy.company_scope(company.id):
        db.session.add_all(Person(first_name="Match", last_name=f"M{i:02d}") for i in range(55))
        db.session.add_all(Person(first_name="Other", last_name=f"O{i:02d}") for i in range(5))
        db.session.commit()
    html = logged_in_client.get("/people?q=match").get_data(as_text=True)
    next_url = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "q=match" in next_url
    page2 = logged_in_client.get(next_url).get_data(as_text=True)
    assert len(PERSON_LINK.findall(page2)) == 5
    assert "Other" not in page2


def test_a_broken_cursor_shows_the_first_page(logged_in_client, company, db):
    add_person(company, db)
    for cursor in ("garbage", "WzEsMl0", "!!!", "x" * 5000):
        response = logged_in_client.get(f"/people?cursor={cursor}")
        assert response.status_code == 200
        assert "Ada Lovelace" in response.get_data(as_text=True)


def test_list_does_not_query_per_row(logged_in_client, company, user, db):
    organization = add_organization(company, db)
    with tenancy.company_scope(company.id):
        db.session.add_all(
            Person(first_name=f"P{i}", last_name="X", organization_id=organization.id, owner_id=user.id) for i in range(40)
        )
        db.session.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "person" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert logged_in_client.get("/people").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # The page's ids, its rows, their tags and the bounded count: a constant number of
    # queries (organizations and owners come in one query each, without "person" in them).
    assert len(statements) <= 4, statements


# Search and filters ---------------------------------------------------------------


@pytest.mark.parametrize("query", ["ada", "LOVE", "engines.example", "555-0100", "analytical", "ada love"])
def test_search_matches_name_email_phone_and_organization(logged_in_client, company, db, query):
    organization = add_organization(company, db)
    add_person(company, db, email="ada@engines.example", phone="+44 555-0100", organization_id=organization.id)
    add_person(company, db, first_name="Charles", last_name="Babbage", email="cb@mill.example")
    html = logged_in_client.get("/people", query_string={"q": query}).get_data(as_text=True)
    assert "Ada Lovelace" in html
    assert "Charles Babbage" not in html


def test_search_takes_wildcards_literally(logged_in_client, company, db):
    add_person(company, db, first_name="100%", last_name="Sure")
    add_person(company, db, first_name="Plain", last_name="Name")
    html = logged_in_client.get("/people?q=%25").get_data(as_text=True)
    assert "100% Sure" in html
    assert "Plain Name" not in html
    html = logged_in_client.get("/people?q=_").get_data(as_text=True)
    assert "Nobody matches this search." in html


def test_search_as_you_type_returns_only_the_results(logged_in_client, company, db):
    add_person(company, db)
    add_person(company, db, first_name="Charles", last_name="Babbage")
    page = logged_in_client.get("/people").get_data(as_text=True)
    assert 'input changed delay:300ms from:#people-q' in page
    assert 'hx-target="#people-results"' in page
    assert 'hx-push-url="true"' in page
    response = logged_in_client.get("/people?q=babb", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "Search people" not in html
    assert "Charles Babbage" in html and "Ada Lovelace" not in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_filter_by_stage(logged_in_client, company, db):
    add_person(company, db, lifecycle_stage="customer")
    add_person(company, db, first_name="Charles", last_name="Babbage", lifecycle_stage="lead")
    html = logged_in_client.get("/people?stage=customer").get_data(as_text=True)
    assert "Ada Lovelace" in html and "Charles Babbage" not in html


def test_unknown_stage_filter_is_ignored_with_a_notice(logged_in_client):
    response = logged_in_client.get("/people?stage=bogus")
    assert response.status_code == 200
    assert "is not a lifecycle stage; that filter was ignored" in response.get_data(as_text=True)


def test_filter_by_organization(logged_in_client, company, db):
    organization = add_organization(company, db)
    add_person(company, db, organization_id=organization.id)
    add_person(company, db, first_name="Charles", last_name="Babbage")
    html = logged_in_client.get(f"/people?organization={organization.id}").get_data(as_text=True)
    assert "Ada Lovelace" in html and "Charles Babbage" not in html
    bad = logged_in_client.get("/people?organization=abc")
    assert bad.status_code == 200 and "organization filter was ignored" in bad.get_data(as_text=True)
