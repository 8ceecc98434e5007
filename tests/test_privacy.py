"""Personal data: export and erasure through every plugin, and merging people."""

import json

import pytest
from sqlalchemy import func, select

from crm_platform import tenancy
from crm_platform.audit.models import AuditEvent
from crm_platform.contacts.models import Activity, Person
from crm_platform.privacy.service import merge_people
from crm_platform.testing import make_user


@pytest.fixture()
def person(app, db, company):
    with tenancy.company_scope(company.id):
        p = Person(first_name="Grace", last_name="Hopper", email="grace@navy.example")
        db.session.add(p)
        db.session.flush()
        db.session.add(Activity(kind="note", body="Met at the conference", person_id=p.id))
        db.session.commit()
        return p.id


def test_export_downloads_everything_as_json(logged_in_client, person):
    response = logged_in_client.get(f"/people/{person}/personal-data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["email"] == "grace@navy.example"
    assert data["timeline"][0]["body"] == "Met at the conference"


def test_person_page_offers_the_actions_to_admins_only(app, logged_in_client, client, company, person):
    html = logged_in_client.get(f"/people/{person}").get_data(as_text=True)
    assert "Export personal data" in html and "Erase" in html
    member = make_user(company, "m@acme.test", "member")
    client.login(member.email)
    assert "Export personal data" not in client.get(f"/people/{person}").get_data(as_text=True)
    assert client.get(f"/people/{person}/personal-data.json").status_code == 403
    assert client.post_form(f"/people/{person}/erase", {"confirm": "ERASE"}, token_from="/").status_code == 403


def test_erase_needs_confirmation_then_removes_person_and_timeline(logged_in_client, db, company, person):
    assert logged_in_client.get(f"/people/{person}/erase").status_code == 200
    refused = logged_in_client.post_form(f"/people/{person}/erase", {"confirm": "yes"}, token_from="/")
    assert refused.status_code == 422
    done = logged_in_client.post_form(f"/people/{person}/erase", {"confirm": "ERASE"}, token_from="/")
    assert done.status_code == 303
    with tenancy.company_scope(company.id):
        assert db.session.scalar(select(func.count()).select_from(Person)) == 0
        assert db.session.scalar(select(func.count()).select_from(Activity)) == 0
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "person_erased" in actions


def test_erase_of_another_companys_person_is_404(app, client, other_company, person):
    outsider = make_user(other_company, "o@globex.test", "owner")
    client.login(outsider.email)
    assert client.get(f"/people/{person}/personal-data.json").status_code == 404
    assert client.post_form(f"/people/{person}/erase", {"confirm": "ERASE"}, token_from="/").status_code == 404


def test_merge_moves_the_timeline_and_fills_gaps(app, db, company, person):
    with tenancy.company_scope(company.id):
        other = Person(first_name="G.", last_name="Hopper", phone="+15551234567")
        db.session.add(other)
        db.session.flush()
        db.session.add(Activity(kind="call", body="Called about COBOL", person_id=other.id))
        survivor = db.session.scalars(select(Person).where(Person.id == person)).one()
        merge_people(survivor, other)
        db.session.commit()
        assert survivor.phone == "+15551234567"
        bodies = db.session.scalars(select(Activity.body).where(Activity.person_id == survivor.id)).all()
        assert "Called about COBOL" in bodies and any("Merged" in b for b in bodies)
        assert db.session.scalar(select(func.count()).select_from(Person)) == 1
        with pytest.raises(ValueError):
            merge_people(survivor, survivor)
