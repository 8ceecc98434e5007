"""The two-step page fetch of the people list, and the per-request and per-process caches behind the fast pages."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import delete, event, select

from crm_platform import tenancy
from crm_platform.contacts import list_fetch, list_rows, listing
from crm_platform.contacts.details import format_phone, set_tags
from crm_platform.contacts.models import Organization, Person
from crm_platform.contacts.services import create_person, member_choices
from crm_platform.extensions import db as _db
from crm_platform.templating import cached_url_for
from crm_platform.timeline import markdown


@pytest.fixture()
def crowd(db, company, user):
    """60 people: every third one is a "Smith" at Smith & Co, the rest are spread over the alphabet."""
    with tenancy.company_scope(company.id):
        smiths = Organization(name="Smith & Co")
        db.session.add(smiths)
        db.session.flush()
        for i in range(60):
            last = "Smith" if i % 3 == 0 else f"{chr(ord('A') + i % 26)}name{i:02d}"
            row = Person(first_name=f"P{i:02d}", last_name=last, owner_id=user.id if i % 2 else None,
                         organization_id=smiths.id if i % 5 == 0 else None)
            create_person(row)
            if i % 4 == 0:
                set_tags(row, ["vip"])
        db.session.commit()
        yield company


def _all_pages(args: dict[str, str], limit: int) -> list[int]:
    built = listing.build_people_listing(args)
    seen, cursor = [], None
    while True:
        page = listing.listing_page(built, cursor, limit)
        seen += [p.id for p in page.items]
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


def _expected(args: dict[str, str]) -> list[int]:
    return [p.id for p in _db.session.scalars(listing.people_statement(args)).unique()]


@pytest.mark.parametrize("window", [1, 7, 2000])
@pytest.mark.parametrize("args", [
    {"q": "smith"}, {"q": "smith", "sort": "-created"}, {"q": "smith", "sort": "owner"}, {"q": "smith", "sort": "-name"},
    {"q": "p1"}, {"q": "zzzz"}, {"q": "co p0"}, {"q": "%"}, {"q": "smith", "tag": "vip"}, {"tag": "vip"}, {"tag": "vip", "sort": "-updated"},
    {"tag": "vip", "sort": "owner"}, {"tag": "vip", "sort": "-name"}, {"tag": "vip", "stage": "prospect"},
])
def test_restricted_pages_match_the_sorted_statement_whatever_the_window(crowd, monkeypatch, window, args):
    # Searches and tag filters restrict the list to a sub-select of ids. A small window
    # finds too few matches and falls back to sorting every match; a big
    # one answers from the window. Walking every page must give the same rows either way.
    # (Tags are probed person by person up to the window's end; the search is checked on
    # search_words in name order on SQLite, listed otherwise.)
    monkeypatch.setattr(list_fetch, "SEARCH_WINDOW", window)
    with tenancy.company_scope(crowd.id):
        expected = _expected(args)
        assert _all_pages(args, limit=4) == expected
        if args == {"q": "smith"}:
            assert len(expected) >= 20
        if args.get("q") == "zzzz":
            assert expected == []


def test_rows_come_with_organization_owner_and_sorted_tags_in_page_order(crowd, user):
    with tenancy.company_scope(crowd.id):
        ids = [p.id for p in _db.session.scalars(listing.people_statement({"sort": "-created"}))][:12]
        _db.session.expunge_all()
        rows = list_rows.people_by_ids(list(reversed(ids)) + [10**9])
        assert [p.id for p in rows] == list(reversed(ids))  # order kept, unknown id left out
        for row in rows:
            person = _db.session.get(Person, row.id)
            assert row.full_name == person.full_name and row.email == person.email
            assert (row.owner.id if row.owner else None) == row.owner_id == person.owner_id
            assert (row.owner.display_name if row.owner else None) == (person.owner.display_name if person.owner else None)
            assert (row.organization.name if row.organization else None) == ("Smith & Co" if row.organization_id else None)
            assert [t.name for t in row.tags] == [t.name for t in person.tags]
        tagged = [p for p in rows if p.tags]
        assert tagged and all([t.name for t in p.tags] == ["vip"] for p in tagged)
        assert list_rows.people_by_ids([]) == []


def test_a_rows_tags_come_in_the_same_statement_sorted_and_intact(crowd, db):
    with tenancy.company_scope(crowd.id):
        person = db.session.scalars(select(Person).where(Person.last_name == "Smith")).first()
        untagged = db.session.scalars(select(Person).where(~Person.tags.any())).first()
        names = ['zebra "quoted"', "Émile, l'ami", "apple\\back", "Beta <b>"]
        set_tags(person, names)
        db.session.commit()
        ids = [person.id, untagged.id]
        db.session.expunge_all()
        statements: list[str] = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            tagged, bare = list_rows.people_by_ids(ids)
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        assert len(statements) == 1
        assert [t.name for t in tagged.tags] == sorted(names, key=str.lower) and bare.tags == []
        assert all(isinstance(t.id, int) for t in tagged.tags)


def test_a_row_reads_any_other_attribute_from_the_full_person(crowd, db):
    with tenancy.company_scope(crowd.id):
        person = db.session.scalars(select(Person).where(Person.last_name == "Smith")).first()
        person.city = "Lyon"
        db.session.commit()
        person_id, emails = person.id, [e.email for e in person.emails]
        db.session.expunge_all()
        (row,) = list_rows.people_by_ids([person_id])
        assert row.city == "Lyon" and [e.email for e in row.emails] == emails
        with pytest.raises(AttributeError):
            row._sa_instance_state  # noqa: B018 - private names never fall back to the ORM row
        db.session.execute(delete(Person).where(Person.id == person_id))
        db.session.commit()
        with pytest.raises(LookupError):
            row.city  # noqa: B018 - the person is gone


def test_people_of_another_company_are_not_fetched_by_id(crowd, db, other_company):
    crowd_id, other = crowd.id, other_company
    with tenancy.company_scope(other.id):
        stranger = Person(first_name="Eve", last_name="Stranger")
        create_person(stranger)
        db.session.commit()
        stranger_id = stranger.id
    db.session.expunge_all()
    with tenancy.company_scope(crowd_id):
        assert list_rows.people_by_ids([stranger_id]) == []


def test_cached_url_for_builds_the_same_urls_as_flask(app):
    with app.test_request_context("/people"):
        for _ in range(2):  # built, then from the cache
            for person_id in (0, 7, 123456, -1):
                assert cached_url_for("contacts.person", person_id=person_id) == url_for("contacts.person", person_id=person_id)
            assert cached_url_for("contacts.people") == url_for("contacts.people")
            assert cached_url_for("contacts.people", q="a b&c") == url_for("contacts.people", q="a b&c")
            assert cached_url_for("contacts.person_inline", person_id=3, field_name="email") == url_for(
                "contacts.person_inline", person_id=3, field_name="email")
        # Options and other types go to Flask's url_for unchanged.
        assert cached_url_for("contacts.person", person_id=3, _anchor="x") == url_for("contacts.person", person_id=3, _anchor="x")
        assert cached_url_for("contacts.people", _external=True) == url_for("contacts.people", _external=True)
        assert cached_url_for("contacts.people", stage=None) == url_for("contacts.people", stage=None)
    with app.test_request_context("/people", environ_overrides={"SCRIPT_NAME": "/crm"}):
        assert cached_url_for("contacts.person", person_id=7) == "/crm/people/7"


def test_cached_urls_are_per_app_and_bounded(app, monkeypatch):
    from crm_platform import templating

    monkeypatch.setattr(templating, "URL_CACHE_SIZE", 3)
    with app.test_request_context("/people"):
        for n in range(10):
            assert cached_url_for("contacts.people", q=str(n)) == url_for("contacts.people", q=str(n))
        assert 0 < len(app.extensions["crm_url_cache"]) <= 3


def test_markdown_cache_gives_the_same_html_and_skips_long_bodies():
    body = "**Hi** @[Ada](user:7) <script>alert(1)</script>"
    first = markdown.render_markdown(body)
    assert first == markdown.render_markdown(body) == markdown._render(body)
    assert "<script" not in first and 'data-user-id="7"' in first
    long_body = "x" * (markdown.CACHED_LENGTH + 1)
    before = markdown._cached_render.cache_info().currsize
    assert markdown.render_markdown(long_body) == markdown._render(long_body)
    assert markdown._cached_render.cache_info().currsize == before
    assert markdown.render_markdown(None) == markdown._render("")  # type: ignore[arg-type]


def test_format_phone_is_cached_and_keeps_bad_input():
    assert format_phone("+442079460000") == "+44 20 7946 0000"
    assert format_phone("not a number") == "not a number"
    assert format_phone.cache_info().hits + format_phone.cache_info().misses > 0


def test_member_choices_are_looked_up_once_per_request_and_returned_as_copies(app, company, user):
    with app.test_request_context("/"), tenancy.company_scope(company.id):
        first = member_choices()
        assert (user.id, user.display_name) in first
        first.append((0, "tampered"))
        assert (0, "tampered") not in member_choices()


@pytest.mark.parametrize("args", [
    {}, {"q": "smith"}, {"q": "smith", "tag": "vip"}, {"tag": "vip"}, {"tag": "vip", "stage": "lead"},
    {"q": "zzzz"}, {"q": "p1", "tag": "vip"},
])
def test_restricted_counts_match_the_statement_and_stop_at_the_bound(crowd, args):
    with tenancy.company_scope(crowd.id):
        built = listing.build_people_listing(args)
        exact = len(_expected(args))
        assert listing.listing_count(built) == exact
        assert listing.listing_count(built, bound=3) == min(exact, 4)


def test_a_person_with_two_matching_tags_is_counted_once(crowd):
    with tenancy.company_scope(crowd.id):
        person = _db.session.scalars(select(Person).where(Person.first_name == "P00")).one()
        set_tags(person, ["vip", "gold"])
        _db.session.commit()
        built = listing.build_people_listing({"tag": ["vip", "gold"]})
        assert listing.listing_count(built) == len(_expected({"tag": ["vip", "gold"]})) == 1


@pytest.mark.parametrize("window", [1, 2000])
@pytest.mark.parametrize("args", [{}, {"q": "smith"}, {"tag": "vip"}, {"q": "smith", "tag": "vip"}, {"q": "zzzz"}])
def test_a_page_counts_the_whole_list_in_the_same_statement(crowd, monkeypatch, window, args):
    monkeypatch.setattr(list_fetch, "SEARCH_WINDOW", window)  # the window answers, or the sort of every match
    with tenancy.company_scope(crowd.id):
        built = listing.build_people_listing(args)
        exact = len(_expected(args))
        statements: list[str] = []
        listen = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
        event.listen(_db.engine, "before_cursor_execute", listen)
        try:
            first = listing.listing_page(built, None, limit=4, count_bound=1000)
        finally:
            event.remove(_db.engine, "before_cursor_execute", listen)
        assert first.count == exact
        if first.items:  # the ids' statement brought the count: no statement of its own
            assert not [s for s in statements if s.lstrip().startswith("SELECT count(*)")]
            if window == 2000:  # the window answered: one statement for the ids and the count
                assert len([s for s in statements if "count(*)" in s]) == 1
        if first.next_cursor:
            second = listing.listing_page(built, first.next_cursor, limit=4, count_bound=3)
            assert second.count == min(exact, 4)  # counted from the start, not after the cursor
        assert listing.listing_page(built, None, limit=4).count is None  # not asked: not counted


@pytest.mark.parametrize("q", ["smith", "smi", "s", "p1", "co", "co p0", "sm co", "name0", "zzzz", "ith"])
def test_the_search_words_check_finds_exactly_the_full_text_matches(crowd, q):
    with tenancy.company_scope(crowd.id):
        by_index = set(_db.session.scalars(listing.search_index.matching_person_ids(q)))
        check = listing.search_index.words_check(q)
        by_words = set(_db.session.scalars(select(Person.id).where(check)))
        assert by_words == by_index
        if q == "ith":  # a prefix search: the middle of a word matches nothing
            assert by_index == set()


def test_search_words_follow_every_change_and_leave_updated_at_alone(crowd):
    with tenancy.company_scope(crowd.id):
        person = _db.session.scalars(select(Person).where(Person.first_name == "P01")).one()
        before = person.updated_at
        words = lambda: _db.session.scalar(select(Person.search_words).where(Person.id == person.id))  # noqa: E731
        assert words().startswith(" p01 ")
        person.last_name = "Zoë Quartermain"
        _db.session.commit()
        assert " zoe quartermain" in words() and " p01" in words()
        org = _db.session.scalars(select(Organization).where(Organization.name == "Smith & Co")).one()
        member = _db.session.scalars(select(Person).where(Person.organization_id == org.id)).first()
        stamp = _db.session.scalar(select(Person.updated_at).where(Person.id == member.id))
        org.name = "Renamed Holdings"
        _db.session.commit()
        member_words = _db.session.scalar(select(Person.search_words).where(Person.id == member.id))
        assert " renamed holdings" in member_words and " co " not in member_words + " "  # "Smith & Co" is gone
        assert _db.session.scalar(select(Person.updated_at).where(Person.id == member.id)) == stamp
        assert person.updated_at != before  # the person's own edit did count


@pytest.mark.parametrize("sort, how", [("name", "check"), ("-name", "check"), ("-created", "listed"), ("owner", "listed")])
def test_the_search_is_checked_in_name_order_on_sqlite_and_listed_otherwise(crowd, sort, how):
    with tenancy.company_scope(crowd.id):
        (search,) = listing.build_people_listing({"q": "smith", "sort": sort}).restrictions
        sqlite = _db.session.get_bind().dialect.name == "sqlite"
        expected = how if sqlite else "listed"
        assert ("check" if search.check is not None else "listed" if search.listed else "probe") == expected


def test_restricted_counts_look_matches_up_in_the_narrow_live_index_on_sqlite(crowd):
    with tenancy.company_scope(crowd.id):
        dialect = _db.session.get_bind().dialect
        tagged = listing.build_people_listing({"tag": "vip"})
        plain = listing.build_people_listing({})
        restricted = str(list_fetch.count_statement(tagged.filtered, tagged.restrictions, 10).compile(dialect=dialect))
        unrestricted = str(list_fetch.count_statement(plain.filtered, plain.restrictions, 10).compile(dialect=dialect))
        hint = f"person INDEXED BY {list_fetch.LIVE_ID_INDEX}"
        assert (hint in restricted) == (dialect.name == "sqlite")
        assert hint not in unrestricted  # a plain count walks the company's live people as it is
        assert listing.listing_count(tagged) == len(_expected({"tag": "vip"}))


def test_nav_links_mark_the_longest_matching_entry_and_build_each_url_once(app, company, user, monkeypatch):
    from crm_platform import templating
    from crm_platform.plugins.types import NavItem

    items = [NavItem("People", "contacts.people"), NavItem("Organizations", "contacts.organizations"),
             NavItem("Dashboard", "core.dashboard")]
    monkeypatch.setattr(templating, "nav_items", lambda: items)
    built = []
    real = templating.cached_url_for
    monkeypatch.setattr(templating, "cached_url_for", lambda endpoint, **v: built.append(endpoint) or real(endpoint, **v))
    with app.test_request_context("/people/7"):
        links = templating.nav_links()
    assert [(link.item.label, link.active) for link in links] == [
        ("People", True), ("Organizations", False), ("Dashboard", False)]
    assert [link.url for link in links] == ["/people", "/organizations", "/"] and len(built) == 3
    with app.test_request_context("/nowhere"):
        assert not any(link.active for link in templating.nav_links())


def test_documents_written_in_bulk_get_their_search_words_copied(crowd):
    from crm_platform.contacts.search_index import copy_search_words

    with tenancy.company_scope(crowd.id):
        conn = _db.session.connection()
        conn.execute(Person.__table__.update().values(search_words=None))
        copy_search_words(conn, crowd.id)
        rows = conn.execute(select(Person.__table__.c.search_words, listing.search_index.person_search.c.document)
                            .join(listing.search_index.person_search,
                                  listing.search_index.person_search.c.person_id == Person.__table__.c.id)).all()
        assert rows and all(words == " " + document for words, document in rows)
