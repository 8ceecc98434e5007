"""People: create, edit, delete, validation, escaping, permissions and isolation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from crm_platform import tenancy
from crm_platform.contacts import trash
from crm_platform.contacts.models import Activity, Organization, Person
from crm_platform.testing import make_user


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


def post(client: Any, path: str, data: dict[str, Any] | None = None) -> Any:
    """POST a form as a signed-in user (CSRF token from the people list)."""
    return client.post_form(path, data or {}, token_from="/people")


def person_count(company: Any, db: Any) -> int:
    with tenancy.company_scope(company.id):
        return db.session.scalar(select(func.count()).select_from(Person))


# Create, edit, delete -------------------------------------------------------------


def test_new_person_form(logged_in_client, company, db):
    organization = add_organization(company, db)
    html = logged_in_client.get(f"/people/new?organization={organization.id}").get_data(as_text=True)
    assert 'name="first_name"' in html
    assert f'<option selected value="{organization.id}">' in html or f'value="{organization.id}" selected' in html


def test_create_person(logged_in_client, company, user, db):
    organization = add_organization(company, db)
    response = post(
        logged_in_client,
        "/people",
        {
            "first_name": " Ada ",
            "last_name": "Lovelace",
            "email": "ada@engines.example",
            "phone": "+44 20 7946 0000",
            "job_title": "Analyst",
            "lifecycle_stage": "prospect",
            "organization_id": str(organization.id),
            "owner_id": str(user.id),
        },
    )
    assert response.status_code == 303
    with tenancy.company_scope(company.id):
        person = db.session.scalars(select(Person)).one()
        assert (person.first_name, person.email, person.lifecycle_stage) == ("Ada", "ada@engines.example", "prospect")
        assert person.organization_id == organization.id and person.owner_id == user.id
    assert response.headers["Location"].endswith(f"/people/{person.id}")
    page = logged_in_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ada Lovelace" in page and "was added" in page
    assert f'href="/organizations/{organization.id}"' in page


def test_create_needs_only_a_last_name(logged_in_client, company, db):
    assert post(logged_in_client, "/people", {"last_name": "Solo"}).status_code == 303
    assert person_count(company, db) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"first_name": "Ada", "email": "not-an-email"}, "Enter a valid email address."),
        ({"email": "ada@engines.example"}, "Enter a first or a last name."),
        ({"first_name": "Ada", "lifecycle_stage": "vip"}, "Not a valid choice"),
        ({"first_name": "Ada", "organization_id": "999999"}, "Choose an organization of this company."),
        ({"first_name": "Ada", "organization_id": "abc"}, "Choose an organization of this company."),
        ({"first_name": "Ada", "owner_id": "999999"}, "Not a valid choice"),
        ({"first_name": "A" * 101}, "longer than 100"),
        ({"first_name": "Ada", "phone": "call me maybe"}, "is not a phone number"),
    ],
)
def test_create_rejects_bad_input_with_422(logged_in_client, company, db, data, message):
    response = post(logged_in_client, "/people", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert person_count(company, db) == 0


def test_organization_of_another_company_is_refused(logged_in_client, company, other_company, db):
    with tenancy.company_scope(other_company.id):
        foreign = Organization(name="Globex Corp")
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    form = logged_in_client.get("/people/new").get_data(as_text=True)
    assert "Globex Corp" not in form
    response = post(logged_in_client, "/people", {"first_name": "Ada", "organization_id": str(foreign_id)})
    assert response.status_code == 422
    assert person_count(company, db) == 0


def test_member_of_another_company_cannot_be_owner(logged_in_client, company, other_company, db):
    stranger = make_user(other_company, "stranger@globex.example", "admin")
    response = post(logged_in_client, "/people", {"first_name": "Ada", "owner_id": str(stranger.id)})
    assert response.status_code == 422


def test_member_can_create(client, company, db):
    make_user(company, "member@acme.example", "member")
    client.login("member@acme.example")
    assert post(client, "/people", {"first_name": "Grace"}).status_code == 303
    assert person_count(company, db) == 1


def test_names_with_markup_are_escaped(logged_in_client, company, db):
    person = add_person(company, db, first_name="<script>alert(1)</script>", job_title="<b>boss</b>")
    for path in ("/people", f"/people/{person.id}", f"/people/{person.id}/edit"):
        html = logged_in_client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    assert "<b>boss</b>" not in logged_in_client.get("/people").get_data(as_text=True)


def test_detail_shows_key_facts(logged_in_client, company, user, db):
    organization = add_organization(company, db)
    person = add_person(
        company, db, email="ada@engines.example", phone="+44 20 7946 0000", job_title="Analyst",
        lifecycle_stage="customer", organization_id=organization.id, owner_id=user.id,
    )
    html = logged_in_client.get(f"/people/{person.id}").get_data(as_text=True)
    for text in ("Analyst", "mailto:ada@engines.example", "tel:+442079460000", "Customer", "Ada Admin", "Analytical Engines Ltd"):
        assert text in html


def test_edit_person(logged_in_client, company, db):
    person = add_person(company, db, email="old@engines.example")
    form = logged_in_client.get(f"/people/{person.id}/edit").get_data(as_text=True)
    assert 'value="old@engines.example"' in form
    response = post(
        logged_in_client, f"/people/{person.id}/edit",
        {"first_name": "Augusta", "last_name": "King", "email": "new@engines.example", "lifecycle_stage": "customer"},
    )
    assert response.status_code == 303
    with tenancy.company_scope(company.id):
        person = db.session.get(Person, person.id)
        db.session.refresh(person)
        assert (person.full_name, person.email, person.lifecycle_stage) == ("Augusta King", "new@engines.example", "customer")


def test_edit_with_bad_input_is_422_and_changes_nothing(logged_in_client, company, db):
    person = add_person(company, db, email="old@engines.example")
    response = post(logged_in_client, f"/people/{person.id}/edit", {"first_name": "Ada", "email": "bad@"})
    assert response.status_code == 422
    assert "Enter a valid email address." in response.get_data(as_text=True)
    with tenancy.company_scope(company.id):
        db.session.expire_all()
        assert db.session.get(Person, person.id).email == "old@engines.example"


def test_edit_keeps_an_owner_who_left_the_company(logged_in_client, company, db):
    from crm_platform.companies.models import Membership

    former = make_user(company, "former@acme.example", "member", name="Former Colleague")
    person = add_person(company, db, owner_id=former.id)
    with tenancy.company_scope(company.id):
        db.session.execute(Membership.__table__.delete().where(Membership.user_id == former.id))
        db.session.commit()
    form = logged_in_client.get(f"/people/{person.id}/edit").get_data(as_text=True)
    assert "Former Colleague (no longer a member)" in form
    response = post(logged_in_client, f"/people/{person.id}/edit", {"first_name": "Ada", "owner_id": str(former.id)})
    assert response.status_code == 303


def test_delete_moves_the_person_to_the_trash_with_their_timeline(logged_in_client, company, db):
    person = add_person(company, db)
    with tenancy.company_scope(company.id):
        db.session.add(Activity(kind="note", body="hello", person_id=person.id))
        db.session.commit()
    response = post(logged_in_client, f"/people/{person.id}/delete")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/people")
    assert person_count(company, db) == 0  # hidden: in the trash
    with tenancy.company_scope(company.id):
        db.session.expire_all()
        trashed = db.session.scalars(trash.including_trashed(select(Person).where(Person.id == person.id))).one()
        assert trashed.deleted_at is not None
        assert db.session.scalar(select(func.count()).select_from(Activity)) == 1  # kept until the purge
    assert "was moved to the trash" in logged_in_client.get("/people").get_data(as_text=True)


def test_delete_by_htmx_redirects_with_hx_redirect(logged_in_client, company, db):
    person = add_person(company, db)
    response = logged_in_client.htmx("POST", f"/people/{person.id}/delete", token_from="/people")
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/people"
    assert person_count(company, db) == 0


def test_delete_needs_post(logged_in_client, company, db):
    person = add_person(company, db)
    assert logged_in_client.get(f"/people/{person.id}/delete").status_code == 405
    assert person_count(company, db) == 1


# Permissions and isolation --------------------------------------------------------


def test_readonly_can_look_but_not_change(client, company, db):
    person = add_person(company, db)
    make_user(company, "ro@x.test", "readonly")
    client.login("ro@x.test")
    assert client.get("/people").status_code == 200
    assert client.get(f"/people/{person.id}").status_code == 200
    html = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Add to timeline" not in html and f"/people/{person.id}/edit" not in html
    assert client.get("/people/new").status_code == 403
    assert client.get(f"/people/{person.id}/edit").status_code == 403
    for path, data in (
        ("/people", {"first_name": "Grace"}),
        (f"/people/{person.id}/edit", {"first_name": "Changed"}),
        (f"/people/{person.id}/delete", {}),
        (f"/people/{person.id}/activities", {"kind": "note", "body": "hi"}),
    ):
        assert post(client, path, data).status_code == 403, path
    assert person_count(company, db) == 1
    with tenancy.company_scope(company.id):
        assert db.session.get(Person, person.id).first_name == "Ada"


def test_person_of_another_company_is_not_found(logged_in_client, other_company, db):
    foreign = add_person(other_company, db, first_name="Hidden")
    assert logged_in_client.get(f"/people/{foreign.id}").status_code == 404
    assert logged_in_client.get(f"/people/{foreign.id}/edit").status_code == 404
    assert post(logged_in_client, f"/people/{foreign.id}/edit", {"first_name": "Hacked"}).status_code == 404
    assert post(logged_in_client, f"/people/{foreign.id}/delete").status_code == 404
    assert post(logged_in_client, f"/people/{foreign.id}/activities", {"kind": "note", "body": "x"}).status_code == 404
    with tenancy.company_scope(other_company.id):
        db.session.expire_all()
        assert db.session.get(Person, foreign.id).first_name == "Hidden"
        assert db.session.scalar(select(func.count()).select_from(Activity)) == 0
