"""The people listing: full-text search, every filter and sort, keyset pages, bounded counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from crm_platform import tenancy
from crm_platform.contacts import listing, search_index
from crm_platform.contacts.details import EmailEntry, MembershipEntry, PhoneEntry, set_emails, set_memberships, set_phones, set_tags
from crm_platform.contacts.models import Organization, Person
from crm_platform.contacts.search_index import person_search
from crm_platform.contacts.services import create_person, delete_person
from crm_platform.customfields.service import create_field, set_values, validate_values
from crm_platform.models_base import utcnow
from crm_platform.testing import make_user


@pytest.fixture()
def scope(company):
    with tenancy.company_scope(company.id):
        yield company


def person(db, first, last, emails=(), phones=(), orgs=(), **fields):
    row = Person(first_name=first, last_name=last, **fields)
    set_emails(row, [EmailEntry(e) for e in emails])
    set_phones(row, [PhoneEntry(p) for p in phones])
    set_memberships(row, [MembershipEntry(o.id) for o in orgs])
    create_person(row)
    db.session.commit()
    return row


def org(db, name):
    row = Organization(name=name)
    db.session.add(row)
    db.session.commit()
    return row


def names(args, **kw):
    rows = db_scalars(listing.people_statement(args))
    return [f"{p.first_name} {p.last_name}" for p in rows]


def db_scalars(stmt):
    from crm_platform.extensions import db

    return list(db.session.scalars(stmt).unique())


@pytest.fixture()
def people(db, scope):
    engines = org(db, "Analytical Engines")
    mill = org(db, "Difference Mill")
    ada = person(db, "Ada", "Lovelace", ["ada@engines.example", "countess@home.example"], ["+44 20 7946 0000"],
                 [engines, mill])
    charles = person(db, "Charles", "Babbage", ["cb@mill.example"], ["+1 415 555 0123"], [mill])
    grace = person(db, "Grace", "Hopper", ["grace@navy.example"], [], [], lifecycle_stage="customer")
    return {"ada": ada, "charles": charles, "grace": grace, "engines": engines, "mill": mill}


@pytest.mark.parametrize("query,expected", [
    ("ada", ["Ada Lovelace"]),
    ("ada lov", ["Ada Lovelace"]),
    ("LOVE", ["Ada Lovelace"]),
    ("countess@home", ["Ada Lovelace"]),
    ("cb@mill.exa", ["Charles Babbage"]),
    ("+44 20 7946", ["Ada Lovelace"]),
    ("442079460000", ["Ada Lovelace"]),
    ("415 555", ["Charles Babbage"]),
    ("(415) 555-01", ["Charles Babbage"]),
    ("analyt", ["Ada Lovelace"]),
    ("differ", ["Charles Babbage", "Ada Lovelace"]),
    ("zzqx", []),
])
def test_full_text_prefix_search(people, query, expected):
    assert sorted(names({"q": query})) == sorted(expected)


def test_search_ignores_accents_and_case(db, scope):
    person(db, "Zoë", "Ångström")
    assert names({"q": "zoe ang"}) == ["Zoë Ångström"]
    assert names({"q": "ZOË"}) == ["Zoë Ångström"]


def test_index_follows_edits_renames_and_deletes(db, people):
    ada, engines = people["ada"], people["engines"]
    ada.first_name = "Augusta"
    db.session.commit()
    assert names({"q": "augusta"}) == ["Augusta Lovelace"]
    set_emails(ada, [EmailEntry("new@address.example")])
    db.session.commit()
    assert names({"q": "address"}) == ["Augusta Lovelace"] and names({"q": "countess"}) == []
    engines.name = "Jacquard Looms"
    db.session.commit()
    assert names({"q": "jacquard"}) == ["Augusta Lovelace"] and names({"q": "analytical"}) == []
    db.session.delete(engines)
    db.session.commit()
    assert names({"q": "jacquard"}) == []
    delete_person(people["charles"])
    db.session.commit()
    gone = db.session.execute(select(person_search).where(person_search.c.person_id == people["charles"].id)).first()
    assert gone is None
    assert names({"q": "babbage"}) == []


def test_reindex_people_after_bulk_statements(db, people):
    db.session.execute(update(Person).where(Person.id == people["grace"].id).values(last_name="Murray")
                       .execution_options(synchronize_session=False))
    assert names({"q": "murray"}) == []
    search_index.reindex_people([people["grace"].id])
    db.session.expire_all()
    assert names({"q": "murray"}) == ["Grace Murray"]


def test_search_is_scoped_to_the_company(db, people, other_company):
    with tenancy.company_scope(other_company.id):
        person(db, "Ada", "Elsewhere")
        assert names({"q": "ada"}) == ["Ada Elsewhere"]
    assert names({"q": "ada"}) == ["Ada Lovelace"]


def test_filters_stage_organization_owner_and_tags(db, people, company):
    member = make_user(company, "owner2@example.com", role="member", name="Olive Owner")
    with tenancy.company_scope(company.id):
        people["charles"].owner_id = member.id
        set_tags(people["ada"], ["VIP", "newsletter"])
        set_tags(people["charles"], ["vip"])
        db.session.commit()
        assert names({"stage": "customer"}) == ["Grace Hopper"]
        # Membership in any organization, not only the primary one.
        assert names({"organization": str(people["mill"].id)}) == ["Charles Babbage", "Ada Lovelace"]
        assert names({"owner": str(member.id)}) == ["Charles Babbage"]
        assert names({"owner": "none"}) == ["Grace Hopper", "Ada Lovelace"]
        assert names({"tag": "vip"}) == ["Charles Babbage", "Ada Lovelace"]
        from werkzeug.datastructures import MultiDict

        assert names(MultiDict([("tag", "VIP"), ("tag", "newsletter")])) == ["Ada Lovelace"]
        built = listing.build_people_listing({"tag": "vip", "q": "ada"})
        assert [c.label for c in built.chips] == ["Tag: VIP"] and built.notices == []


@pytest.mark.parametrize("args", [
    {"stage": "martian"}, {"owner": "abc"}, {"owner": "99999"}, {"organization": "99999"},
    {"organization": "x"}, {"tag": "nope"}, {"sort": "shoe"}, {"cf_missing": "1"},
])
def test_bad_filter_values_are_ignored_with_a_notice(people, args):
    built = listing.build_people_listing(args)
    assert built.notices and built.chips == []
    assert len(db_scalars(built.ordered())) == 3


def test_custom_field_filters(db, people):
    fields = [create_field("person", "Plan", "select", ["Free", "Pro"]), create_field("person", "Seats", "number"),
              create_field("person", "Renewal", "date"), create_field("person", "Beta", "checkbox"),
              create_field("person", "Topics", "multiselect", ["Golf", "Chess"])]
    values = {
        "ada": {"plan": "Pro", "seats": "12", "renewal": "2026-03-01", "beta": "yes", "topics": "Golf;Chess"},
        "charles": {"plan": "Free", "seats": "3", "renewal": "2026-09-01", "beta": "no", "topics": "Chess"},
    }
    for who, data in values.items():
        rows, errors = validate_values(fields, data)
        assert errors == {}
        set_values(fields, people[who].id, rows)
    db.session.commit()
    assert names({"cf_plan": "Pro"}) == ["Ada Lovelace"]
    assert names({"cf_seats_min": "5"}) == ["Ada Lovelace"]
    assert names({"cf_seats_max": "5"}) == ["Charles Babbage"]
    assert names({"cf_renewal_min": "2026-06-01"}) == ["Charles Babbage"]
    assert names({"cf_beta": "yes"}) == ["Ada Lovelace"]
    assert names({"cf_beta": "no"}) == ["Charles Babbage", "Grace Hopper"]
    assert names({"cf_topics": "Chess"}) == ["Charles Babbage", "Ada Lovelace"]
    bad = listing.build_people_listing({"cf_seats_min": "lots", "cf_plan": "Gold", "cf_plan_min": "1"})
    assert len(bad.notices) == 3


@pytest.mark.parametrize("sort", ["name", "-name", "created", "-created", "updated", "-updated", "owner", "-owner"])
def test_keyset_pages_have_no_duplicates_or_gaps(db, scope, company, sort):
    owner = make_user(company, "o@example.com", role="member")
    with tenancy.company_scope(company.id):
        start = utcnow() - timedelta(days=1)
        for n in range(23):
            # Ties on purpose: same names and same times for several people.
            row = Person(first_name=f"P{n % 4}", last_name=f"L{n % 3}", owner_id=owner.id if n % 2 else None)
            create_person(row)
            row.created_at = start + timedelta(minutes=n % 5)
        db.session.commit()
        built = listing.build_people_listing({"sort": sort})
        expected = [p.id for p in db_scalars(built.ordered())]
        seen, cursor = [], None
        while True:
            page = listing.listing_page(built, cursor, limit=5)
            seen += [p.id for p in page.items]
            if not page.has_next:
                break
            cursor = page.next_cursor
        assert seen == expected and len(set(seen)) == 23


def test_invalid_cursor_gives_the_first_page(people):
    built = listing.build_people_listing({})
    assert [p.id for p in listing.listing_page(built, "not-a-cursor", 2).items] == \
        [p.id for p in listing.listing_page(built, None, 2).items]


def test_bounded_count(db, scope):
    for n in range(7):
        create_person(Person(first_name="N", last_name=str(n)))
    db.session.commit()
    stmt = listing.build_people_listing({}).statement
    assert listing.bounded_count(stmt, bound=5) == 6
    assert listing.count_label(6, bound=5) == "5+"
    assert listing.bounded_count(stmt, bound=50) == 7 and listing.count_label(7, 50) == "7"


def test_people_statement_is_ordered_and_unpaginated(people):
    stmt = listing.people_statement({"sort": "-name"})
    assert stmt._limit_clause is None
    assert names({"sort": "-name"}) == ["Ada Lovelace", "Grace Hopper", "Charles Babbage"]
    assert db_scalars(select(Person.id).where(Person.id.in_(search_index.matching_person_ids("grace"))))


def test_list_page_pushes_the_clean_url_and_shows_chips_and_notices(logged_in_client, company, db):
    with tenancy.company_scope(company.id):
        person(db, "Ada", "Lovelace", lifecycle_stage="customer")
    response = logged_in_client.get("/people?q=ada&stage=customer&owner=&tag=&sort=name&cf_nope=1",
                                    headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.headers["HX-Push-Url"] == "/people?q=ada&stage=customer"
    assert "Ada Lovelace" in html and "Stage: Customer" in html and "Search: ada" in html
    assert "There is no custom field &#39;nope&#39;" in html
    assert 'href="/people?q=ada"' in html  # the stage chip's remove link
    assert "1 person match" in " ".join(html.split())


def test_name_and_owner_headers_sort_and_keep_the_filters(logged_in_client, company, db):
    with tenancy.company_scope(company.id):
        person(db, "Ada", "Lovelace", lifecycle_stage="customer")
    html = logged_in_client.get("/people").get_data(as_text=True)
    assert '<th scope="col" aria-sort="ascending"><a class="sort-link" href="/people?sort=-name">Name' in html
    assert '<th scope="col"><a class="sort-link" href="/people?sort=owner">Owner</a></th>' in html
    html = logged_in_client.get("/people?stage=customer&sort=-owner&cursor=junk").get_data(as_text=True)
    assert '<th scope="col" aria-sort="descending"><a class="sort-link" href="/people?stage=customer&amp;sort=owner">Owner' in html
    assert '<th scope="col"><a class="sort-link" href="/people?stage=customer">Name</a></th>' in html
    assert '<option value="-owner" selected>' in html
    html = logged_in_client.get("/people?sort=shoe-size", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "cannot be sorted by &#39;shoe-size&#39;" in html and 'aria-sort="ascending"' in html
