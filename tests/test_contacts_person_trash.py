"""Deleting one person from their page: the trash with an Undo toast, like the list's bulk delete.

Also the organization delete, which has no trash: a POST that is always confirmed first.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.audit.models import AuditEvent
from crm_platform.contacts import list_views, trash
from crm_platform.contacts.details import EmailEntry, PhoneEntry, set_emails, set_phones
from crm_platform.contacts.models import Activity, Organization, Person
from crm_platform.contacts.services import create_person
from crm_platform.plugins import hookimpl
from crm_platform.testing import TEST_PASSWORD, bearer, make_api_token, make_user

UNDO_FORM = re.compile(r'<div class="toast[^"]*undo-toast".*?</div>', re.S)


def add_person(company: Any, db: Any, first: str = "Ada", last: str = "Lovelace", emails: tuple[str, ...] = (),
               phones: tuple[str, ...] = (), **fields: Any) -> int:
    with tenancy.company_scope(company.id):
        person = Person(first_name=first, last_name=last, **fields)
        set_emails(person, [EmailEntry(e) for e in emails])
        set_phones(person, [PhoneEntry(p) for p in phones])
        create_person(person)
        db.session.commit()
        return person.id


def delete(client: Any, person_id: int, **kwargs: Any) -> Any:
    return client.post_form(f"/people/{person_id}/delete", {}, token_from="/people", **kwargs)


def stored(company: Any, db: Any, person_id: int) -> Person | None:
    with tenancy.company_scope(company.id):
        db.session.expire_all()
        return db.session.scalars(trash.including_trashed(select(Person).where(Person.id == person_id))).first()


class Recorder:
    """A plugin recording the person events it hears."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int, tuple[str, ...]]] = []

    @hookimpl
    def crm_person_updated(self, person: Any, changes: Any) -> None:
        self.events.append(("updated", person.id, tuple(sorted(changes))))

    @hookimpl
    def crm_person_deleted(self, person: Any) -> None:
        self.events.append(("deleted", person.id, ()))


@pytest.fixture()
def recorder(app):
    plugin = Recorder()
    pm = app.extensions["crm"].pm
    pm.register(plugin, name="trash-recorder")
    yield plugin
    pm.unregister(plugin)


# The person page's delete --------------------------------------------------------


def test_delete_trashes_and_the_list_offers_undo_once(logged_in_client, company, db, recorder):
    ada = add_person(company, db)
    with tenancy.company_scope(company.id):
        db.session.add(Activity(kind="note", body="kept in the trash", person_id=ada))
        db.session.commit()
    page = logged_in_client.get(f"/people/{ada}").get_data(as_text=True)
    assert f'action="/people/{ada}/delete"' in page and "to the trash?" in page  # hx-confirm says where it goes
    response = delete(logged_in_client, ada)
    assert response.status_code == 303 and response.headers["Location"].endswith("/people")
    assert stored(company, db, ada).deleted_at is not None
    assert ("updated", ada, ("deleted_at",)) in recorder.events and not any(e[0] == "deleted" for e in recorder.events)
    with tenancy.company_scope(company.id):
        assert db.session.scalars(select(Activity.body)).all() == ["kept in the trash"]
        assert "people_trashed" in [e.action for e in db.session.scalars(select(AuditEvent))]
    html = logged_in_client.get("/people").get_data(as_text=True)
    [toast] = UNDO_FORM.findall(html)
    assert "Ada Lovelace was moved to the trash." in toast
    assert 'method="post" action="/people/trash/restore"' in toast and 'hx-post="/people/trash/restore"' in toast
    assert 'name="csrf_token" value="' in toast and f'name="ids" value="{ada}"' in toast
    assert "data-undo-toast" in toast and "Ada Lovelace" not in html.split('id="toasts"')[0]
    assert "undo-toast" not in logged_in_client.get("/people").get_data(as_text=True)  # shown once


def test_htmx_delete_redirects_and_undo_restores(logged_in_client, company, db):
    ada = add_person(company, db)
    response = logged_in_client.htmx("POST", f"/people/{ada}/delete", token_from=f"/people/{ada}")
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/people"
    html = logged_in_client.get(response.headers["HX-Redirect"]).get_data(as_text=True)
    assert "Ada Lovelace was moved to the trash." in html
    restored = logged_in_client.htmx("POST", "/people/trash/restore", {"ids": [ada]}, token_from="/people")
    assert restored.status_code == 200 and "Ada Lovelace" in restored.get_data(as_text=True)
    assert "Restored 1 person" in restored.headers["HX-Trigger"]
    assert stored(company, db, ada).deleted_at is None
    assert logged_in_client.get(f"/people/{ada}").status_code == 200


def test_plain_undo_post_restores_and_redirects(logged_in_client, company, db):
    ada = add_person(company, db)
    delete(logged_in_client, ada)
    response = logged_in_client.post_form("/people/trash/restore", {"ids": [ada]}, token_from="/people")
    assert response.status_code == 303
    assert stored(company, db, ada).deleted_at is None


def test_trashed_person_is_hidden_everywhere(logged_in_client, client, company, user, db):
    acme = add_organization(company, db)
    ada = add_person(company, db, emails=("ada@engines.example",), phones=("+14155552671",), organization_id=acme)
    twin = add_person(company, db, "Augusta", "King", emails=("ADA@engines.example",))
    assert "same email" in logged_in_client.get("/people/duplicates").get_data(as_text=True)
    assert delete(logged_in_client, ada).status_code == 303
    assert logged_in_client.get(f"/people/{ada}").status_code == 404
    assert logged_in_client.get(f"/people/{ada}/edit").status_code == 404
    people = logged_in_client.get("/people").get_data(as_text=True).split('id="toasts"')[0]
    assert f'href="/people/{ada}"' not in people and f'href="/people/{twin}"' in people
    assert f'href="/people/{ada}"' not in logged_in_client.get("/people?q=ada").get_data(as_text=True)
    assert "Lovelace" not in logged_in_client.get("/search?q=lovelace").get_data(as_text=True)
    assert f'href="/people/{ada}"' not in logged_in_client.get(f"/organizations/{acme}").get_data(as_text=True)
    assert "same email" not in logged_in_client.get("/people/duplicates").get_data(as_text=True)
    assert f"other={ada}" not in logged_in_client.get(f"/people/{twin}/merge").get_data(as_text=True)
    secret = make_api_token(company, user)
    assert client.get(f"/api/v1/people/{ada}", headers=bearer(secret)).status_code == 404
    listed = client.get("/api/v1/people?q=ada", headers=bearer(secret)).json["data"]
    assert [p["id"] for p in listed] == [twin]
    assert "Ada Lovelace" in logged_in_client.get("/people/trash").get_data(as_text=True)


def test_deleting_a_trashed_or_foreign_person_is_404(logged_in_client, company, other_company, db):
    ada = add_person(company, db)
    theirs = add_person(other_company, db, "Their", "Person")
    assert delete(logged_in_client, ada).status_code == 303
    assert delete(logged_in_client, ada).status_code == 404
    assert delete(logged_in_client, theirs).status_code == 404
    assert stored(other_company, db, theirs).deleted_at is None


def test_delete_needs_csrf_post_and_edit_rights(client, logged_in_client, company, db):
    ada = add_person(company, db)
    assert logged_in_client.get(f"/people/{ada}/delete").status_code == 405
    assert logged_in_client.post(f"/people/{ada}/delete").status_code == 400  # no CSRF token
    make_user(company, "ro@example.com", role="readonly")
    client.login("ro@example.com", TEST_PASSWORD)
    assert delete(client, ada).status_code == 403
    assert stored(company, db, ada).deleted_at is None


def test_undo_toast_only_for_this_company_and_while_fresh(app, logged_in_client, company, other_company, db):
    ada = add_person(company, db)
    delete(logged_in_client, ada)
    with logged_in_client.session_transaction() as session:
        session[list_views.UNDO_KEY] = {**session[list_views.UNDO_KEY], "at": time.time() - list_views.UNDO_SECONDS - 1}
    assert "undo-toast" not in logged_in_client.get("/people").get_data(as_text=True)
    for forged in ({"ids": [ada], "message": "x", "company_id": other_company.id, "at": time.time()},
                   {"ids": ["junk"], "message": "x", "company_id": company.id, "at": time.time()},
                   {"ids": [ada], "company_id": company.id, "at": "yesterday"},
                   "not a dict"):
        with logged_in_client.session_transaction() as session:
            session[list_views.UNDO_KEY] = forged
        assert "undo-toast" not in logged_in_client.get("/people").get_data(as_text=True), forged


def test_undo_ignores_other_companies_trashed_people(logged_in_client, company, other_company, db, app):
    theirs = add_person(other_company, db, "Their", "Person")
    with tenancy.company_scope(other_company.id):
        from crm_platform.contacts import bulk

        with app.test_request_context():
            bulk.trash_people(bulk.selected_people([theirs]))
        db.session.commit()
    response = logged_in_client.post_form("/people/trash/restore", {"ids": [theirs]}, token_from="/people")
    assert response.status_code == 303
    assert stored(other_company, db, theirs).deleted_at is not None


# Organizations: no trash, so a confirmed POST ---------------------------------------


def add_organization(company: Any, db: Any, name: str = "Analytical Engines") -> int:
    with tenancy.company_scope(company.id):
        organization = Organization(name=name)
        db.session.add(organization)
        db.session.commit()
        return organization.id


def organization_exists(company: Any, db: Any, organization_id: int) -> bool:
    with tenancy.company_scope(company.id):
        db.session.expire_all()
        return db.session.get(Organization, organization_id) is not None


def test_organization_delete_without_confirmation_shows_a_confirmation_page(logged_in_client, company, db):
    org = add_organization(company, db)
    add_person(company, db, organization_id=org)
    detail = logged_in_client.get(f"/organizations/{org}").get_data(as_text=True)
    assert "hx-confirm=\"Delete Analytical Engines for good?" in detail and "hx-vals='{\"confirmed\": \"1\"}'" in detail
    response = logged_in_client.post_form(f"/organizations/{org}/delete", {}, token_from="/organizations")
    assert response.status_code == 200 and organization_exists(company, db, org)
    html = response.get_data(as_text=True)
    assert "Delete Analytical Engines?" in html and "Its 1 person is kept" in html and "cannot be undone" in html
    assert f'action="/organizations/{org}/delete"' in html and 'name="confirmed" value="1"' in html
    assert 'name="csrf_token"' in html and f'href="/organizations/{org}"' in html
    assert logged_in_client.post_form(f"/organizations/{org}/delete", {"confirmed": "yes"},
                                      token_from="/organizations").status_code == 200
    assert organization_exists(company, db, org)
    confirmed = logged_in_client.post_form(f"/organizations/{org}/delete", {"confirmed": "1"}, token_from="/organizations")
    assert confirmed.status_code == 303 and confirmed.headers["Location"].endswith("/organizations")
    assert not organization_exists(company, db, org)


def test_organization_delete_by_htmx_and_its_guards(client, logged_in_client, company, other_company, db):
    org = add_organization(company, db)
    theirs = add_organization(other_company, db, "Globex")
    assert logged_in_client.get(f"/organizations/{org}/delete").status_code == 405
    assert logged_in_client.post(f"/organizations/{org}/delete", data={"confirmed": "1"}).status_code == 400
    assert logged_in_client.post_form(f"/organizations/{theirs}/delete", {"confirmed": "1"},
                                      token_from="/organizations").status_code == 404
    make_user(company, "ro@example.com", role="readonly")
    client.login("ro@example.com", TEST_PASSWORD)
    assert client.post_form(f"/organizations/{org}/delete", {"confirmed": "1"}, token_from="/organizations").status_code == 403
    assert organization_exists(company, db, org) and organization_exists(other_company, db, theirs)
    response = logged_in_client.htmx("POST", f"/organizations/{org}/delete", {"confirmed": "1"}, token_from="/organizations")
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/organizations"
    assert not organization_exists(company, db, org)
