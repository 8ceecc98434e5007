"""Demo data: a lived-in company, fast, reproducible, and only in the company asked for."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from crm_platform import tenancy
from crm_platform.contacts.models import ACTIVITY_KINDS, LIFECYCLE_STAGES, Activity, Organization, Person
from crm_platform.demo import load_demo_data
from crm_platform.testing import make_user


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_demo_data_fills_one_company_only(app, db, company, other_company, user):
    member = make_user(company, "mia@acme.test", "member")
    started = time.perf_counter()
    load_demo_data(company)
    elapsed = time.perf_counter() - started
    assert elapsed < 20, f"demo data took {elapsed:.1f}s"
    with tenancy.company_scope(company.id):
        assert count(db, Organization) == 50
        assert count(db, Person) == 200
        assert count(db, Activity) == 600
        people = db.session.scalars(select(Person)).all()
        activities = db.session.scalars(select(Activity)).unique().all()
        organizations = db.session.scalars(select(Organization)).all()
    with tenancy.company_scope(other_company.id):
        assert count(db, Organization) == count(db, Person) == count(db, Activity) == 0

    assert len({o.name for o in organizations}) == 50
    assert all(o.website.startswith("https://www.") and o.website.endswith(".example") for o in organizations)
    assert {p.lifecycle_stage for p in people} == set(LIFECYCLE_STAGES)
    assert all(p.first_name and p.last_name and p.phone and p.job_title for p in people)
    assert {p.owner_id for p in people} <= {user.id, member.id} and len({p.owner_id for p in people}) == 2
    with_org = [p for p in people if p.organization is not None]
    assert len(with_org) > 120
    for person in with_org:
        domain = person.organization.website.removeprefix("https://www.")
        assert person.email.endswith("@" + domain), (person.email, domain)
    assert all(p.email.split("@")[1].endswith((".example", "example.com", "example.net", "example.org")) for p in people)

    now = datetime.now(UTC)
    assert {a.kind for a in activities} <= set(ACTIVITY_KINDS)
    assert len({a.kind for a in activities}) >= 4
    assert all(now - timedelta(days=183) < as_utc(a.created_at) < now for a in activities)
    assert min(as_utc(a.created_at) for a in activities) < now - timedelta(days=150)
    assert all(a.body and "{" not in a.body for a in activities)
    assert len({a.body for a in activities}) > 100
    for activity in activities:
        if activity.person is not None:
            assert activity.organization_id == activity.person.organization_id


def test_demo_data_is_reproducible(app, db, company, other_company):
    load_demo_data(company, seed=7)
    load_demo_data(other_company, seed=7)
    names = {}
    for c in (company, other_company):
        with tenancy.company_scope(c.id):
            names[c.id] = db.session.scalars(select(Person.email).order_by(Person.id)).all()
    assert names[company.id] == names[other_company.id]


def test_demo_data_without_members_has_no_owners(app, db, company):
    load_demo_data(company)
    with tenancy.company_scope(company.id):
        assert db.session.scalar(select(func.count()).select_from(Person).where(Person.owner_id.is_not(None))) == 0


def test_demo_company_pages_render(app, db, company, user, logged_in_client):
    load_demo_data(company)
    for path in ("/", "/people", "/organizations", "/people?q=a", "/people?stage=customer"):
        assert logged_in_client.get(path).status_code == 200, path
    with tenancy.company_scope(company.id):
        person_id = db.session.scalar(select(Person.id).order_by(Person.id))
        organization_id = db.session.scalar(select(Organization.id).order_by(Organization.id))
    assert logged_in_client.get(f"/people/{person_id}").status_code == 200
    assert logged_in_client.get(f"/organizations/{organization_id}").status_code == 200


def test_demo_people_have_the_new_contact_details(app, db, company, user):
    import phonenumbers

    from crm_platform.contacts.models import PersonEmail, PersonOrganization, PersonPhone, PersonTag
    from crm_platform.contacts.social import NETWORKS
    from crm_platform.customfields.models import CustomFieldValue
    from crm_platform.customfields.service import fields_for

    load_demo_data(company)
    with tenancy.company_scope(company.id):
        people = db.session.scalars(select(Person)).all()
        phones = db.session.scalars(select(PersonPhone)).all()
        emails = db.session.scalars(select(PersonEmail)).all()
        memberships = db.session.scalars(select(PersonOrganization)).all()
        assert {f.key: f.field_type for f in fields_for("person")} == {"industry_segment": "select", "contract_renewal": "date"}
        values = db.session.scalars(select(CustomFieldValue)).all()
        tagged = db.session.scalar(select(func.count(func.distinct(PersonTag.person_id))))
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p.number)) and p.number.startswith("+") for p in phones)
    assert all(p.phone == next(ph.number for ph in phones if ph.person_id == p.id and ph.is_primary) for p in people)
    per_person = {}
    for email in emails:
        per_person.setdefault(email.person_id, []).append(email)
    assert all(sum(e.is_primary for e in rows) == 1 for rows in per_person.values()) and len(per_person) == 200
    assert 20 < sum(len(rows) == 2 for rows in per_person.values()) < 120
    assert 20 < len(phones) - 200 < 120  # some people have a second number
    orgs_per_person = {}
    for membership in memberships:
        orgs_per_person.setdefault(membership.person_id, []).append(membership)
    assert any(len(rows) == 2 for rows in orgs_per_person.values())
    assert all(p.street and p.postal_code and p.city and p.country and p.source for p in people)
    assert sum(bool(p.website) for p in people) > 10 and all(p.website.startswith("https://") for p in people if p.website)
    assert sum(bool(p.social) for p in people) > 80 and all(set(p.social) <= {n.key for n in NETWORKS} for p in people)
    assert 50 < tagged < 200
    assert len({v.value for v in values if v.date_value is None}) == 4 and any(v.date_value for v in values)
