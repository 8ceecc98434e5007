"""Bulk actions on the people list: tag, owner, stage, delete with undo, trash, purge; roles and tenancy."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.audit.models import AuditEvent
from crm_platform.contacts import bulk, trash
from crm_platform.contacts.models import Activity, Person, PersonTag, Tag
from crm_platform.contacts.services import add_activity, create_person, get_person, search_results
from crm_platform.plugins import hookimpl
from crm_platform.testing import TEST_PASSWORD, make_user


def add_people(company, db, *names):
    with tenancy.company_scope(company.id):
        rows = []
        for name in names:
            first, last = name.split()
            row = Person(first_name=first, last_name=last, email=f"{first.lower()}@example.com")
            create_person(row)
            rows.append(row)
        db.session.commit()
        return [r.id for r in rows]


def post(client, path, data):
    return client.post_form(path, data, token_from="/people", headers={"HX-Request": "true"})


def in_company(company, db, func):
    with tenancy.company_scope(company.id):
        return func()


class Recorder:
    """A plugin that records the person events it hears."""

    def __init__(self):
        self.events = []

    @hookimpl
    def crm_person_updated(self, person, changes):
        self.events.append(("updated", person.id, tuple(sorted(changes))))

    @hookimpl
    def crm_person_deleted(self, person):
        self.events.append(("deleted", person.id, ()))


@pytest.fixture()
def recorder(app):
    plugin = Recorder()
    pm = app.extensions["crm"].pm
    pm.register(plugin, name="bulk-recorder")
    yield plugin
    pm.unregister(plugin)


def test_bulk_tag_owner_and_stage(logged_in_client, company, db, user, recorder):
    ada, charles, grace = add_people(company, db, "Ada Lovelace", "Charles Babbage", "Grace Hopper")
    response = post(logged_in_client, "/people/bulk/tag", {"ids": [ada, charles], "tag": "VIP"})
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"].startswith("Tagged 2 people")
    assert 'id="bulk-form"' in response.get_data(as_text=True)
    tagged = in_company(company, db, lambda: sorted(db.session.scalars(select(PersonTag.person_id))))
    assert tagged == [ada, charles]
    post(logged_in_client, "/people/bulk/owner", {"ids": [grace], "owner": str(user.id)})
    post(logged_in_client, "/people/bulk/stage", {"ids": [ada, grace], "stage": "customer"})
    people = in_company(company, db, lambda: {p.id: p for p in db.session.scalars(select(Person)).unique()})
    assert people[grace].owner_id == user.id and people[ada].owner_id is None
    assert people[ada].lifecycle_stage == people[grace].lifecycle_stage == "customer"
    assert people[charles].lifecycle_stage == "lead"
    assert ("updated", grace, ("owner_id",)) in recorder.events
    assert ("updated", ada, ("lifecycle_stage",)) in recorder.events
    assert ("updated", ada, ("tags",)) in recorder.events
    actions = in_company(company, db, lambda: [e.action for e in db.session.scalars(select(AuditEvent))])
    assert {"people_tagged", "people_owner_changed", "people_stage_changed"} <= set(actions)


def test_bulk_refreshes_the_filtered_list(logged_in_client, company, db):
    ada, charles = add_people(company, db, "Ada Lovelace", "Charles Babbage")
    response = post(logged_in_client, "/people/bulk/stage?stage=lead", {"ids": [ada], "stage": "customer"})
    html = response.get_data(as_text=True)
    assert "Charles Babbage" in html and "Ada Lovelace" not in html


@pytest.mark.parametrize("data", [{"ids": [], "tag": "x"}, {"tag": ""}, {"stage": "martian"}, {"owner": "999999"}])
def test_bad_bulk_input_is_422_and_changes_nothing(logged_in_client, company, db, data):
    (ada,) = add_people(company, db, "Ada Lovelace")
    action = next(k for k in ("tag", "stage", "owner") if k in data)
    payload = {"ids": [ada], **data}
    response = post(logged_in_client, f"/people/bulk/{action}", payload)
    assert response.status_code == 422
    assert json.loads(response.headers["HX-Trigger"])["toast"]["level"] == "error"
    person = in_company(company, db, lambda: db.session.get(Person, ada))
    assert person.lifecycle_stage == "lead" and person.owner_id is None


def test_other_companies_ids_are_ignored(logged_in_client, company, other_company, db):
    (ada,) = add_people(company, db, "Ada Lovelace")
    (theirs,) = add_people(other_company, db, "Their Person")
    post(logged_in_client, "/people/bulk/stage", {"ids": [ada, theirs, "junk"], "stage": "churned"})
    post(logged_in_client, "/people/bulk/delete", {"ids": [theirs]})
    other = in_company(other_company, db, lambda: db.session.get(Person, theirs))
    assert other.lifecycle_stage == "lead" and other.deleted_at is None
    assert in_company(company, db, lambda: db.session.get(Person, ada)).lifecycle_stage == "churned"


def test_delete_goes_to_the_trash_and_undo_restores(logged_in_client, company, db, recorder):
    ada, charles = add_people(company, db, "Ada Lovelace", "Charles Babbage")
    response = post(logged_in_client, "/people/bulk/delete", {"ids": [ada]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'hx-swap-oob="beforeend"' in html and "Undo" in html
    assert "Ada Lovelace" not in html.split('id="toasts"')[0]
    assert ("updated", ada, ("deleted_at",)) in recorder.events
    assert not any(kind == "deleted" for kind, _, _ in recorder.events)
    # Hidden everywhere: list, detail, search, global search, plain ORM look-ups (plugins).
    assert "Ada Lovelace" not in logged_in_client.get("/people").get_data(as_text=True)
    assert logged_in_client.get(f"/people/{ada}").status_code == 404
    assert "Ada" not in logged_in_client.get("/people?q=ada").get_data(as_text=True).split("</form>")[-1]
    with logged_in_client.application.test_request_context():
        with tenancy.company_scope(company.id):
            assert db.session.scalars(select(Person).where(Person.id == ada)).first() is None
            assert [r.title for r in search_results("ada", 10)] == []
    trash_page = logged_in_client.get("/people/trash").get_data(as_text=True)
    assert "Ada Lovelace" in trash_page and "Charles Babbage" not in trash_page
    response = post(logged_in_client, "/people/trash/restore", {"ids": [ada]})
    assert "Ada Lovelace" in response.get_data(as_text=True)
    assert logged_in_client.get(f"/people/{ada}").status_code == 200
    assert "Ada Lovelace" not in logged_in_client.get("/people/trash").get_data(as_text=True)


def test_purge_deletes_for_good_after_30_days(app, company, other_company, db, recorder):
    old, recent = add_people(company, db, "Old Timer", "New Comer")
    (elsewhere,) = add_people(other_company, db, "Far Away")
    for company_id, ids, age in ((company.id, [old], 31), (company.id, [recent], 2), (other_company.id, [elsewhere], 40)):
        with tenancy.company_scope(company_id):
            people = bulk.selected_people(ids)
            with app.test_request_context():
                bulk.trash_people(people)
            for person in people:
                person.deleted_at = person.deleted_at - timedelta(days=age)
            if company_id == company.id and ids == [old]:
                add_activity("note", "kept until purge", person=people[0])
            db.session.commit()
    from crm_platform.jobs import purge_people_trash

    assert purge_people_trash.call_local() == 2
    assert ("deleted", old, ()) in recorder.events and ("deleted", elsewhere, ()) in recorder.events
    with tenancy.company_scope(company.id):
        remaining = list(db.session.scalars(trash.including_trashed(select(Person.id))))
        assert remaining == [recent]
        assert db.session.scalars(select(Activity)).first() is None
        assert "people_purged" in [e.action for e in db.session.scalars(select(AuditEvent))]


def test_readonly_users_get_no_bulk_bar_and_403(client, company, db):
    (ada,) = add_people(company, db, "Ada Lovelace")
    make_user(company, "viewer@example.com", role="readonly")
    client.login("viewer@example.com", TEST_PASSWORD)
    html = client.get("/people").get_data(as_text=True)
    assert "Ada Lovelace" in html and "data-bulk-bar" not in html and 'name="ids"' not in html
    for action in ("tag", "owner", "stage", "delete"):
        assert post(client, f"/people/bulk/{action}", {"ids": [ada], "tag": "x", "stage": "customer"}).status_code == 403
    assert post(client, "/people/trash/restore", {"ids": [ada]}).status_code == 403
    assert in_company(company, db, lambda: db.session.get(Person, ada)).lifecycle_stage == "lead"


def test_unknown_bulk_action_is_404(logged_in_client, company, db):
    (ada,) = add_people(company, db, "Ada Lovelace")
    assert post(logged_in_client, "/people/bulk/explode", {"ids": [ada]}).status_code == 404


def test_trashed_person_is_hidden_from_relationship_and_sales_lookups(app, company, db):
    (ada,) = add_people(company, db, "Ada Lovelace")
    with tenancy.company_scope(company.id):
        with app.test_request_context():
            bulk.trash_people(bulk.selected_people([ada]))
        db.session.commit()
        assert trash.trashed_people()[0].id == ada
        from crm_sales.services import find_person

        assert find_person(ada) is None
        tags = db.session.scalars(select(Tag)).all()
        assert tags == []
        with pytest.raises(Exception):
            get_person(ada)
