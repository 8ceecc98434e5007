"""The company-wide activity feed: newest first, keyset pages, filters, one company only."""

from datetime import UTC, datetime, timedelta

from crm_platform import tenancy
from crm_platform.contacts.models import Activity, Person
from crm_platform.testing import make_user


def seed(db, company, author_id, n=60):
    with tenancy.company_scope(company.id):
        person = Person(first_name="Feed", last_name="Subject")
        db.session.add(person)
        db.session.flush()
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for i in range(n):
            kind = "call" if i % 3 == 0 else "note"
            db.session.add(Activity(kind=kind, body=f"entry {i:03d}", person_id=person.id, author_id=author_id,
                                    created_at=start + timedelta(hours=i)))
        db.session.commit()


def test_feed_pages_newest_first_without_duplicates(logged_in_client, db, company, user):
    seed(db, company, user.id)
    first = logged_in_client.get("/activity").get_data(as_text=True)
    assert first.index("entry 059") < first.index("entry 058")
    assert "about <a" in first and "Feed Subject" in first
    older = first.split('id="timeline-more"')[1].split('href="')[1].split('"')[0].replace("&amp;", "&")
    second = logged_in_client.get(older, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in second
    seen = [f"entry {i:03d}" for i in range(60)]
    assert all((e in first) != (e in second) for e in seen)


def test_feed_filters_by_kind_and_author(app, logged_in_client, db, company, user):
    seed(db, company, user.id, n=9)
    colleague = make_user(company, "col@acme.test", "member", name="Colleague")
    with tenancy.company_scope(company.id):
        db.session.add(Activity(kind="meeting", body="by colleague", author_id=colleague.id))
        db.session.commit()
    calls = logged_in_client.get("/activity?kind=call").get_data(as_text=True)
    assert "entry 000" in calls and "entry 001" not in calls
    theirs = logged_in_client.get(f"/activity?author={colleague.id}").get_data(as_text=True)
    assert "by colleague" in theirs and "entry 000" not in theirs


def test_bad_filters_are_422(logged_in_client):
    assert logged_in_client.get("/activity?kind=<script>").status_code == 422
    assert logged_in_client.get("/activity?author=abc").status_code == 422
    assert logged_in_client.get("/activity?author=99999").status_code == 422


def test_feed_shows_only_the_current_company(logged_in_client, db, company, other_company, user):
    outsider = make_user(other_company, "x@globex.test", "owner")
    seed(db, other_company, outsider.id, n=3)
    assert "entry 000" not in logged_in_client.get("/activity").get_data(as_text=True)
