"""The organizations list's sorts: name, created, updated (both directions), keyset pages, headers, bad input, indexes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event, select

from crm_platform import tenancy
from crm_platform.contacts import organization_listing
from crm_platform.contacts.models import Organization
from crm_platform.contacts.pagination import encode_cursor
from crm_platform.models_base import utcnow

ORG_LINK = re.compile(r'<td><a href="/organizations/(\d+)">')
SORTS = ["name", "-name", "created", "-created", "updated", "-updated"]


def seed_with_ties(company: Any, db: Any, count: int) -> list[int]:
    """``count`` organizations sharing names, creation times and update times in small groups."""
    start = utcnow() - timedelta(days=3)
    with tenancy.company_scope(company.id):
        rows = [Organization(name=f"Org {n % 7}") for n in range(count)]
        db.session.add_all(rows)
        db.session.flush()
        for n, row in enumerate(rows):
            row.created_at = start + timedelta(minutes=n % 5)
        db.session.commit()
        # updated_at is stamped on UPDATE: set it in bulk afterwards (ties again).
        for n, row in enumerate(rows):
            db.session.execute(sa.update(Organization).where(Organization.id == row.id)
                               .values(updated_at=start + timedelta(hours=n % 4)))
        db.session.commit()
        return [row.id for row in rows]


def expected_order(company: Any, db: Any, sort: str) -> list[int]:
    """The order computed in Python from the stored values (the sort key, then the id)."""
    name = sort.removeprefix("-")
    with tenancy.company_scope(company.id):
        db.session.expire_all()
        rows = db.session.scalars(select(Organization)).all()
    key = {"name": lambda o: (o.name, o.id), "created": lambda o: (o.created_at, o.id),
           "updated": lambda o: (o.updated_at, o.id)}[name]
    return [o.id for o in sorted(rows, key=key, reverse=sort.startswith("-"))]


@pytest.mark.parametrize("sort", SORTS)
def test_keyset_pages_follow_each_sort_with_ties(db, company, sort):
    seed_with_ties(company, db, 23)
    expected = expected_order(company, db, sort)
    with tenancy.company_scope(company.id):
        built = organization_listing.build_organization_listing(sort=sort)
        assert built.notices == [] and built.sort_param == ("" if sort == "name" else sort)
        assert [o.id for o in db.session.scalars(built.ordered()).unique()] == expected
        seen, cursor, pages = [], None, 0
        while True:
            page = organization_listing.organizations_page(built, cursor, limit=5)
            seen += [o.id for o in page.items]
            pages += 1
            if not page.has_next:
                break
            cursor = page.next_cursor
    assert seen == expected and pages == 5 and len(set(seen)) == 23


@pytest.mark.parametrize("sort", ["-updated", "created", "-name"])
def test_the_pager_walks_every_page_and_keeps_the_sort(logged_in_client, company, db, sort):
    ids = seed_with_ties(company, db, 57)
    expected = expected_order(company, db, sort)
    response = logged_in_client.get(f"/organizations?sort={sort}")
    html = response.get_data(as_text=True)
    first = [int(i) for i in ORG_LINK.findall(html)]
    assert first == expected[:50]
    next_url = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert f"sort={sort}" in next_url
    second_page = logged_in_client.get(next_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in second_page and 'rel="next"' not in second_page
    second = [int(i) for i in ORG_LINK.findall(second_page)]
    assert first + second == expected and sorted(first + second) == sorted(ids)
    assert f'href="/organizations?sort={sort}" hx-get="/organizations?sort={sort}"' in second_page  # First page


def test_search_and_sort_together(logged_in_client, company, db):
    with tenancy.company_scope(company.id):
        db.session.add_all([Organization(name="Acme North"), Organization(name="Acme South"), Organization(name="Globex")])
        db.session.commit()
    html = logged_in_client.get("/organizations?q=acme&sort=-name").get_data(as_text=True)
    names = re.findall(r'<td><a href="/organizations/\d+">([^<]+)</a>', html)
    assert names == ["Acme South", "Acme North"]
    assert '<option value="-name" selected>' in html


def test_headers_link_to_the_other_direction_and_keep_the_search(logged_in_client, company, db):
    seed_with_ties(company, db, 3)
    html = logged_in_client.get("/organizations?q=org").get_data(as_text=True)
    assert '<th scope="col" aria-sort="ascending"><a class="sort-link" href="/organizations?q=org&amp;sort=-name">Name' in html
    assert '<th scope="col"><a class="sort-link" href="/organizations?q=org&amp;sort=updated">Last updated</a></th>' in html
    html = logged_in_client.get("/organizations?q=org&sort=-updated").get_data(as_text=True)
    assert '<th scope="col" aria-sort="descending"><a class="sort-link" href="/organizations?q=org&amp;sort=updated">Last updated' in html
    assert '<th scope="col"><a class="sort-link" href="/organizations?q=org">Name</a></th>' in html
    html = logged_in_client.get("/organizations?sort=updated").get_data(as_text=True)
    assert 'aria-sort="ascending"><a class="sort-link" href="/organizations?sort=-updated">' in html
    assert '<option value="updated" selected>' in html and 'hx-trigger="change from:#organizations-sort"' in html


@pytest.mark.parametrize("bad", ["bogus", "-", "--name", "owner", "name;drop table organization", "x" * 5000, "NAME"])
def test_bad_sorts_fall_back_to_name_with_a_notice(logged_in_client, company, db, bad):
    seed_with_ties(company, db, 8)
    for headers in ({}, {"HX-Request": "true"}):
        response = logged_in_client.get("/organizations", query_string={"sort": bad}, headers=headers)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "The list cannot be sorted by" in html and "it is sorted by name" in html
        assert "x" * 41 not in html  # a long value is shown cut short
        assert [int(i) for i in ORG_LINK.findall(html)] == expected_order(company, db, "name")
        assert 'href="/organizations?sort=-name">Name' in html  # the header links ignore the bad value


@pytest.mark.parametrize("cursor", ["garbage", encode_cursor(["Org 1", 3]), encode_cursor(["not a time", 3]),
                                    encode_cursor([1, 2, 3]), "x" * 3000])
def test_bad_or_foreign_cursors_give_the_first_page(logged_in_client, company, db, cursor):
    seed_with_ties(company, db, 8)
    response = logged_in_client.get("/organizations", query_string={"sort": "-created", "cursor": cursor})
    assert response.status_code == 200
    assert [int(i) for i in ORG_LINK.findall(response.get_data(as_text=True))] == expected_order(company, db, "-created")


def test_global_search_still_finds_organizations_by_name(logged_in_client, company, db):
    with tenancy.company_scope(company.id):
        db.session.add(Organization(name="Analytical Engines"))
        db.session.commit()
    assert "Analytical Engines" in logged_in_client.get("/search?q=analytical").get_data(as_text=True)


# Indexes: every sort is served by an index, in both directions, also on a deep page ----------


def _page_statement(db: Any, run: Any) -> tuple[str, Any]:
    """The SQL and parameters of the organization page query that ``run()`` executes."""
    seen: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if "FROM organization" in statement and "LIMIT" in statement.upper():
            seen.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert seen, "no page query ran"
    return seen[-1]


def _plan(db: Any, statement: str, parameters: Any) -> str:
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return "\n".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
        return "\n".join(str(row[0]) for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))


def test_every_sort_uses_its_index_on_a_deep_page_of_20000(db, company, other_company):
    start = utcnow() - timedelta(days=400)
    rows = [{"company_id": owner.id, "name": f"Org {n % 5000:05d}", "website": "", "industry": "", "city": "",
             "country": "", "version": 1, "created_at": start + timedelta(minutes=n // 3),
             "updated_at": start + timedelta(minutes=(n * 7919) % 20000)}
            for owner in (company, other_company) for n in range(20000)]
    with tenancy.unscoped():
        db.session.execute(sa.insert(Organization.__table__), rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE organization"))
        else:
            db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    index = {"name": "ix_organization_company_name", "created": "ix_organization_company_created",
             "updated": "ix_organization_company_updated"}
    with tenancy.company_scope(company.id):
        for sort in SORTS:
            built = organization_listing.build_organization_listing(sort=sort)
            cursor = None
            for _ in range(3):  # a few pages in, then jump deep with a cursor from row 15,000
                cursor = organization_listing.organizations_page(built, cursor, limit=50).next_cursor
            deep = db.session.scalars(built.ordered().offset(15000).limit(1)).one()
            deep_cursor = encode_cursor([key.read(deep) for key in built.keys])
            statement, parameters = _page_statement(
                db, lambda: organization_listing.organizations_page(built, deep_cursor, limit=50))
            page = organization_listing.organizations_page(built, deep_cursor, limit=50)
            assert len(page.items) == 50 and all(o.company_id == company.id for o in page.items)
            plan = _plan(db, statement, parameters)
            assert index[sort.removeprefix("-")] in plan, (sort, plan)
            assert "TEMP B-TREE" not in plan.upper() and "Sort " not in plan, (sort, plan)  # no sort step
