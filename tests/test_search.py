"""Global search asks every enabled provider; results are escaped; bad input is refused."""

from crm_platform import tenancy
from crm_platform.contacts.models import Organization, Person


def seed(db, company):
    with tenancy.company_scope(company.id):
        db.session.add_all([Person(first_name="Ada", last_name="Lovelace <b>"), Organization(name="Analytical Engines")])
        db.session.commit()


def test_finds_people_and_organizations(logged_in_client, db, company, other_company):
    seed(db, company)
    with tenancy.company_scope(other_company.id):
        db.session.add(Person(first_name="Ada", last_name="Elsewhere"))
        db.session.commit()
    html = logged_in_client.get("/search?q=ada").get_data(as_text=True)
    assert "Lovelace &lt;b&gt;" in html
    assert "Elsewhere" not in html
    assert "Analytical Engines" in logged_in_client.get("/search?q=analytical").get_data(as_text=True)


def test_htmx_gets_only_the_results(logged_in_client, db, company):
    seed(db, company)
    response = logged_in_client.get("/search?q=ada", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "Lovelace" in html and "<html" not in html


def test_empty_and_too_long_queries(logged_in_client):
    assert logged_in_client.get("/search").status_code == 200
    assert "Nothing matches" in logged_in_client.get("/search?q=zzzz").get_data(as_text=True)
    assert logged_in_client.get("/search?q=" + "x" * 201).status_code == 422
