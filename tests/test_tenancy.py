"""Scoping is enforced in one place: queries that forget a filter still see one company."""

import pytest
from sqlalchemy import delete, func, select, update

from crm_platform import tenancy
from crm_platform.contacts.models import Organization, Person
from crm_platform.tenancy import TenancyError


@pytest.fixture()
def two_companies(app, db, company, other_company):
    with tenancy.company_scope(company.id):
        db.session.add_all([Person(first_name="Ann", last_name="A"), Person(first_name="Abe", last_name="A")])
        db.session.commit()
    with tenancy.company_scope(other_company.id):
        db.session.add(Person(first_name="Bea", last_name="B"))
        db.session.commit()
    ids = (company.id, other_company.id)
    db.session.expunge_all()
    return ids


def names(db):
    return sorted(p.first_name for p in db.session.scalars(select(Person)))


def test_no_company_sees_nothing(two_companies, db):
    assert names(db) == []
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_unfiltered_select_sees_only_current_company(two_companies, db):
    a, b = two_companies
    with tenancy.company_scope(a):
        assert names(db) == ["Abe", "Ann"]
    db.session.expunge_all()
    with tenancy.company_scope(b):
        assert names(db) == ["Bea"]


def test_unscoped_is_explicit(two_companies, db):
    with tenancy.unscoped():
        assert names(db) == ["Abe", "Ann", "Bea"]


def test_bulk_update_and_delete_are_scoped(two_companies, db):
    a, b = two_companies
    with tenancy.company_scope(a):
        db.session.execute(update(Person).values(job_title="Changed"))
        db.session.execute(delete(Person).where(Person.first_name == "Bea"))
        db.session.commit()
    db.session.expunge_all()
    with tenancy.company_scope(b):
        bea = db.session.scalars(select(Person)).one()
        assert bea.job_title == ""


def test_new_rows_get_the_current_company(company, db):
    with tenancy.company_scope(company.id):
        org = Organization(name="Initech")
        db.session.add(org)
        db.session.commit()
        assert org.company_id == company.id


def test_writing_into_another_company_is_refused(company, other_company, db):
    with tenancy.company_scope(company.id):
        db.session.add(Organization(name="Sneaky", company_id=other_company.id))
        with pytest.raises(TenancyError):
            db.session.flush()
        db.session.rollback()


def test_writing_without_company_is_refused(app, db):
    db.session.add(Organization(name="Orphan"))
    with pytest.raises(TenancyError):
        db.session.flush()
    db.session.rollback()


def test_changing_a_foreign_row_loaded_unscoped_is_refused(two_companies, db):
    a, b = two_companies
    with tenancy.unscoped():
        bea = db.session.scalars(select(Person).where(Person.first_name == "Bea")).one()
    with tenancy.company_scope(a):
        bea.first_name = "Hacked"
        with pytest.raises(TenancyError):
            db.session.flush()
        db.session.rollback()


def test_a_view_that_forgets_the_filter_cannot_leak(make_app, app, db, company, other_company, user):
    """A route with a plain ``select(Person)`` still only sees the signed-in user's company."""
    leaky = make_app()

    @leaky.get("/test-leaky")
    def leaky_view():
        return ",".join(sorted(p.first_name for p in db.session.scalars(select(Person))))

    with tenancy.company_scope(company.id):
        db.session.add(Person(first_name="Mine"))
        db.session.commit()
    with tenancy.company_scope(other_company.id):
        db.session.add(Person(first_name="Theirs"))
        db.session.commit()
    with leaky.app_context():
        client = leaky.test_client()
        client.login(user.email)
        assert client.get("/test-leaky").get_data(as_text=True) == "Mine"


def test_relationship_loads_are_scoped_by_the_company_current_when_they_run(two_companies, db):
    # The criteria are one option with the company as a bound parameter filled in per
    # statement: a lazy load is scoped by its own statement, in any scope, never left unbound.
    from crm_platform.contacts.details import set_tags

    a, b = two_companies
    with tenancy.company_scope(a):
        ann = db.session.scalars(select(Person).where(Person.first_name == "Ann")).one()
        set_tags(ann, ["vip"])
        db.session.commit()
        db.session.expire(ann)
        assert [t.name for t in ann.tags] == ["vip"]
        db.session.expire(ann)
    with tenancy.unscoped():
        assert [t.name for t in ann.tags] == ["vip"]  # loaded under a, read unscoped: no missing parameter
    db.session.expire(ann)
    with tenancy.company_scope(b):
        assert ann.tags == []  # company b sees none of a's tags, even through a's person
    db.session.expunge_all()
    with tenancy.company_scope(b):
        rows = db.session.execute(select(Person.first_name).where(Person.last_name.in_(["A", "B"]))).all()
        assert rows == [("Bea",)]
