"""What plugins add to the contacts pages, and the events and search they get from them."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.contacts.models import Activity, Organization, Person
from crm_platform.plugins import Action, ListColumn, Panel, TimelineEntryType, hookimpl
from crm_platform.plugins import runtime


class FakePlugin:
    """A plugin registered straight on the test app's plugin manager."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    @hookimpl
    def crm_person_panels(self, person: Any) -> list[Panel]:
        return [Panel("fake", "Fake <panel>", f"/fake/people/{person.id}/panel")]

    @hookimpl
    def crm_organization_panels(self, organization: Any) -> list[Panel]:
        return [Panel("fake-org", "Fake org panel", f"/fake/organizations/{organization.id}")]

    @hookimpl
    def crm_person_actions(self, person: Any) -> list[Action]:
        return [
            Action("Send <gift>", f"/fake/people/{person.id}/gift", method="POST", confirm="Really?"),
            Action("Open report", "/fake/report", method="GET", permission="records.view"),
            Action("Admins only", "/fake/admin", permission="users.manage"),
        ]

    @hookimpl
    def crm_person_list_columns(self) -> list[ListColumn]:
        return [ListColumn("score", "Score", lambda rows: {row.id: f"<{row.first_name}>" for row in rows})]

    @hookimpl
    def crm_organization_list_columns(self) -> list[ListColumn]:
        return [ListColumn("tier", "Tier", lambda rows: {row.id: f"Tier <{row.name[:1]}>" for row in rows})]

    @hookimpl
    def crm_timeline_entry_types(self) -> list[TimelineEntryType]:
        return [TimelineEntryType("fake_ping", "Fake ping", "dot", lambda a: Markup("<strong>Ping:</strong> {}").format(a.body))]

    @hookimpl
    def crm_template_slot(self, slot: str, context: dict[str, Any]) -> Any:
        if slot == "person_sidebar":
            return Markup('<p class="fake-slot">{}</p>').format(context["person"].first_name)
        return None

    @hookimpl
    def crm_person_created(self, person: Any) -> None:
        assert person.id is not None
        self.events.append(("person_created", person.id))

    @hookimpl
    def crm_person_updated(self, person: Any, changes: dict[str, tuple[Any, Any]]) -> None:
        self.events.append(("person_updated", person.id, changes))

    @hookimpl
    def crm_person_deleted(self, person: Any) -> None:
        self.events.append(("person_deleted", person.id))

    @hookimpl
    def crm_organization_created(self, organization: Any) -> None:
        self.events.append(("organization_created", organization.name))

    @hookimpl
    def crm_organization_updated(self, organization: Any, changes: dict[str, tuple[Any, Any]]) -> None:
        self.events.append(("organization_updated", changes))

    @hookimpl
    def crm_organization_deleted(self, organization: Any) -> None:
        self.events.append(("organization_deleted", organization.name))


class CrashingPlugin:
    """Every UI hook fails."""

    @hookimpl
    def crm_person_panels(self, person: Any) -> list[Panel]:
        raise RuntimeError("boom")

    @hookimpl
    def crm_person_list_columns(self) -> list[ListColumn]:
        def values(rows: Any) -> dict[int, str]:
            raise RuntimeError("boom")

        return [ListColumn("broken", "Broken column", values)]

    @hookimpl
    def crm_timeline_entry_types(self) -> list[TimelineEntryType]:
        def render(activity: Any) -> Markup:
            raise RuntimeError("boom")

        return [TimelineEntryType("crash", "Crash", "dot", render)]


@pytest.fixture()
def fake(app: Any) -> FakePlugin:
    plugin = FakePlugin()
    app.extensions["crm"].pm.register(plugin, name="fake_contacts_plugin")
    return plugin


def add_person(company: Any, db: Any, **fields: Any) -> Person:
    with tenancy.company_scope(company.id):
        person = Person(**{"first_name": "Ada", "last_name": "Lovelace", **fields})
        db.session.add(person)
        db.session.commit()
        return person


def post(client: Any, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post_form(path, data or {}, token_from="/people")


def test_person_page_shows_panels_actions_and_sidebar_slot(fake, logged_in_client, company, db):
    person = add_person(company, db)
    html = logged_in_client.get(f"/people/{person.id}").get_data(as_text=True)
    assert f'hx-get="/fake/people/{person.id}/panel" hx-trigger="load"' in html
    assert "Fake &lt;panel&gt;" in html
    assert f'hx-post="/fake/people/{person.id}/gift"' in html and 'hx-confirm="Really?"' in html
    assert "Send &lt;gift&gt;" in html
    assert 'href="/fake/report"' in html
    assert '<p class="fake-slot">Ada</p>' in html


def test_actions_are_filtered_by_permission(fake, client, company, db):
    from crm_platform.testing import make_user

    person = add_person(company, db)
    make_user(company, "member@acme.example", "member")
    client.login("member@acme.example")
    html = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Send &lt;gift&gt;" in html
    assert "Admins only" not in html


def test_organization_page_shows_panels(fake, logged_in_client, company, db):
    with tenancy.company_scope(company.id):
        organization = Organization(name="Engines")
        db.session.add(organization)
        db.session.commit()
    html = logged_in_client.get(f"/organizations/{organization.id}").get_data(as_text=True)
    assert f'hx-get="/fake/organizations/{organization.id}"' in html


def test_people_list_shows_plugin_columns_escaped(fake, logged_in_client, company, db):
    add_person(company, db)
    html = logged_in_client.get("/people").get_data(as_text=True)
    assert '<th scope="col">Score</th>' in html
    assert "<td>&lt;Ada&gt;</td>" in html


def test_timeline_uses_plugin_entry_types(fake, logged_in_client, company, db):
    person = add_person(company, db)
    with tenancy.company_scope(company.id):
        db.session.add(Activity(kind="fake_ping", body="<hello>", person_id=person.id))
        db.session.commit()
    html = logged_in_client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Fake ping" in html
    assert "<strong>Ping:</strong> &lt;hello&gt;" in html


def test_failing_plugins_do_not_break_the_pages(app, logged_in_client, company, db):
    app.extensions["crm"].pm.register(CrashingPlugin(), name="crashing_contacts_plugin")
    person = add_person(company, db)
    with tenancy.company_scope(company.id):
        db.session.add(Activity(kind="crash", body="x", person_id=person.id))
        db.session.commit()
    page = logged_in_client.get(f"/people/{person.id}")
    assert page.status_code == 200
    assert "plugin-error" in page.get_data(as_text=True)
    listing = logged_in_client.get("/people")
    assert listing.status_code == 200
    assert "Broken column" in listing.get_data(as_text=True)


def test_person_events(fake, logged_in_client, company, db):
    assert post(logged_in_client, "/people", {"first_name": "Ada"}).status_code == 303
    with tenancy.company_scope(company.id):
        person_id = db.session.scalar(select(Person.id))
    assert fake.events == [("person_created", person_id)]
    post(logged_in_client, f"/people/{person_id}/edit", {"first_name": "Ada", "lifecycle_stage": "customer"})
    assert fake.events[-1] == ("person_updated", person_id, {"lifecycle_stage": ("lead", "customer")})
    post(logged_in_client, f"/people/{person_id}/edit", {"first_name": "Ada", "lifecycle_stage": "customer"})
    assert len(fake.events) == 2  # nothing changed, nothing announced
    post(logged_in_client, f"/people/{person_id}/delete")  # to the trash: an update of deleted_at
    kind, changed_id, changes = fake.events[-1]
    assert (kind, changed_id, set(changes)) == ("person_updated", person_id, {"deleted_at"})
    assert changes["deleted_at"][0] is None and changes["deleted_at"][1] is not None
    assert not any(event[0] == "person_deleted" for event in fake.events)  # only the purge deletes for good


def test_organization_events(fake, logged_in_client, company, db):
    post(logged_in_client, "/organizations", {"name": "Engines"})
    with tenancy.company_scope(company.id):
        organization_id = db.session.scalar(select(Organization.id))
    post(logged_in_client, f"/organizations/{organization_id}/edit", {"name": "Engines", "city": "London"})
    post(logged_in_client, f"/organizations/{organization_id}/delete", {"confirmed": "1"})
    assert fake.events == [
        ("organization_created", "Engines"),
        ("organization_updated", {"city": ("", "London")}),
        ("organization_deleted", "Engines"),
    ]


def test_a_failing_created_hook_rolls_the_person_back(app, logged_in_client, company, db):
    class Refuser:
        @hookimpl
        def crm_person_created(self, person: Any) -> None:
            raise RuntimeError("no")

    app.extensions["crm"].pm.register(Refuser(), name="refusing_plugin")
    response = post(logged_in_client, "/people", {"first_name": "Ada"})
    assert response.status_code == 500
    with tenancy.company_scope(company.id):
        assert db.session.scalars(select(Person)).all() == []


def test_global_search_hook_finds_people_and_organizations(app, company, other_company, db):
    with tenancy.company_scope(company.id):
        organization = Organization(name="Lovelace Engines", industry="Computing")
        db.session.add(organization)
        db.session.add(Person(first_name="Ada", last_name="Lovelace", job_title="Analyst"))
        db.session.commit()
    add_person(other_company, db, first_name="Hidden", last_name="Lovelace")
    with app.test_request_context(), tenancy.company_scope(company.id):
        results = [r for batch in runtime.hook("crm_search")(query="lovelace", limit=10) for r in batch]
    assert {(r.kind, r.title) for r in results} == {("person", "Ada Lovelace"), ("organization", "Lovelace Engines")}
    person_result = next(r for r in results if r.kind == "person")
    assert person_result.url.startswith("/people/") and person_result.snippet == "Analyst"
    with app.test_request_context(), tenancy.company_scope(company.id):
        assert len([r for batch in runtime.hook("crm_search")(query="lovelace", limit=1) for r in batch]) == 1


def test_organizations_list_shows_plugin_columns_escaped(fake, logged_in_client, company, db):
    with tenancy.company_scope(company.id):
        db.session.add(Organization(name="Initech"))
        db.session.commit()
    html = logged_in_client.get("/organizations").get_data(as_text=True)
    assert "<th scope=\"col\">Tier</th>" in html
    assert "Tier &lt;I&gt;" in html
