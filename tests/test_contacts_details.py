"""A person's several emails, phones and organizations, tags, and edit versions."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from crm_platform import tenancy
from crm_platform.contacts.details import (
    DetailError,
    EmailEntry,
    MembershipEntry,
    PhoneEntry,
    add_tags,
    format_phone,
    normalise_phone,
    set_emails,
    set_memberships,
    set_phones,
    set_tags,
)
from crm_platform.contacts.models import Organization, Person, PersonEmail, PersonOrganization, PersonTag, Tag
from crm_platform.contacts.services import create_person, snapshot, update_person


@pytest.fixture()
def scope(company):
    with tenancy.company_scope(company.id):
        yield company


def test_phone_numbers_are_stored_in_e164():
    assert normalise_phone("+1 (415) 555-2671") == "+14155552671"
    assert normalise_phone("030 901820", region="DE") == "+4930901820"
    assert format_phone("+14155552671") == "+1 415-555-2671"
    for bad in ("12", "hello", "+1 555", "+" + "9" * 40):
        with pytest.raises(DetailError):
            normalise_phone(bad)


def test_several_emails_one_primary_mirrored_on_the_person(db, scope):
    person = Person(first_name="Ada")
    set_emails(person, [EmailEntry("ada@home.example", "home"), EmailEntry("Ada@WORK.example", "work")], primary=1)
    create_person(person)
    db.session.commit()
    assert person.email == "Ada@work.example"
    rows = db.session.scalars(select(PersonEmail).order_by(PersonEmail.id)).all()
    assert [(r.email, r.label, r.is_primary) for r in rows] == [
        ("ada@home.example", "home", False), ("Ada@work.example", "work", True)]
    with pytest.raises(DetailError, match="twice"):
        set_emails(person, [EmailEntry("a@b.example"), EmailEntry("A@b.example")])
    with pytest.raises(DetailError, match="not a valid email"):
        set_emails(person, [EmailEntry("not an email")])


def test_phones_replace_and_mirror_primary(db, scope):
    person = Person(first_name="Ada")
    set_phones(person, [PhoneEntry("+44 20 7946 0958", "work"), PhoneEntry("+1 415 555 2671")], primary=0)
    create_person(person)
    db.session.commit()
    assert person.phone == "+442079460958"
    assert [p.number for p in person.phones] == ["+442079460958", "+14155552671"]


def test_memberships_keep_primary_organization_and_role(db, scope):
    acme, initech = Organization(name="Acme"), Organization(name="Initech")
    db.session.add_all([acme, initech])
    db.session.flush()
    person = Person(first_name="Ada")
    create_person(person)
    set_memberships(person, [MembershipEntry(acme.id, "CTO"), MembershipEntry(initech.id, "Advisor")], primary=1)
    db.session.commit()
    assert person.organization_id == initech.id and person.job_title == "Advisor"
    rows = db.session.scalars(select(PersonOrganization).order_by(PersonOrganization.id)).all()
    assert [(r.organization_id, r.role, r.is_primary) for r in rows] == [(acme.id, "CTO", False), (initech.id, "Advisor", True)]
    with pytest.raises(DetailError):
        set_memberships(person, [MembershipEntry(999999, "x")])


def test_other_company_organizations_are_refused(db, company, other_company):
    with tenancy.company_scope(other_company.id):
        foreign = Organization(name="Foreign")
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    with tenancy.company_scope(company.id):
        person = Person(first_name="Ada")
        create_person(person)
        with pytest.raises(DetailError):
            set_memberships(person, [MembershipEntry(foreign_id, "Spy")])


def test_setting_only_the_columns_creates_primary_entries(db, scope):
    org = Organization(name="Acme")
    db.session.add(org)
    db.session.flush()
    person = Person(first_name="Bo", email="bo@acme.example", phone="+14155552671", organization_id=org.id, job_title="CEO")
    create_person(person)
    db.session.commit()
    assert [(e.email, e.is_primary) for e in person.emails] == [("bo@acme.example", True)]
    assert [(p.number, p.is_primary) for p in person.phones] == [("+14155552671", True)]
    assert [(m.organization_id, m.role, m.is_primary) for m in person.memberships] == [(org.id, "CEO", True)]
    before = snapshot(person, ("email", "phone", "organization_id", "job_title"))
    person.email = "bo@new.example"
    update_person(person, before)
    db.session.commit()
    assert {(e.email, e.is_primary) for e in person.emails} == {("bo@acme.example", False), ("bo@new.example", True)}


def test_tags_are_per_company_and_deduplicated(db, company, other_company):
    with tenancy.company_scope(company.id):
        person = Person(first_name="Ada")
        create_person(person)
        set_tags(person, ["VIP", "vip", " newsletter ", ""])
        db.session.commit()
        assert [t.name for t in person.tags] == ["newsletter", "VIP"]
        other = Person(first_name="Bo")
        create_person(other)
        assert add_tags([person.id, other.id], ["vip", "new"]) == 3
        db.session.commit()
        assert db.session.scalar(select(PersonTag).where(PersonTag.person_id == other.id).limit(1)) is not None
    with tenancy.company_scope(other_company.id):
        assert db.session.scalars(select(Tag)).all() == []


def test_a_stale_edit_raises_instead_of_overwriting(app, db, scope):
    person = Person(first_name="Ada")
    create_person(person)
    db.session.commit()
    person_id, version = person.id, person.version
    person.first_name = "Ada L."
    db.session.commit()
    assert person.version == version + 1
    db.session.expire_all()
    stale = db.session.get(Person, person_id)
    db.session.execute(Person.__table__.update().where(Person.__table__.c.id == person_id).values(version=99))
    stale.first_name = "Overwrite"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()
