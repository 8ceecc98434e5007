"""The duplicates finder and the side-by-side merge."""

import pytest
from sqlalchemy import func, select

from crm_platform import tenancy
from crm_platform.audit.models import AuditEvent
from crm_platform.contacts.details import EmailEntry, MembershipEntry, PhoneEntry, set_emails, set_memberships, set_phones, set_tags
from crm_platform.contacts.models import Activity, Organization, Person
from crm_platform.contacts.services import create_person
from crm_platform.customfields.service import create_field, fields_for, set_values, validate_values, values_for
from crm_platform.duplicates.finder import find_duplicates
from crm_platform.testing import make_user


def _person(first, last, emails=(), phones=(), org=None, role=""):
    person = Person(first_name=first, last_name=last)
    set_emails(person, [EmailEntry(e) for e in emails])
    set_phones(person, [PhoneEntry(p) for p in phones])
    create_person(person)
    if org is not None:
        set_memberships(person, [MembershipEntry(org.id, role)])
    return person


@pytest.fixture()
def people(db, company):
    with tenancy.company_scope(company.id):
        acme = Organization(name="Acme")
        db.session.add(acme)
        db.session.flush()
        ada = _person("Ada", "Lovelace", ["ada@acme.example"], ["+14155552671"], acme, "CTO")
        ada2 = _person("Ada", "Lovelace", ["ADA@acme.example", "ada@home.example"], [], None)
        phone_twin = _person("Augusta", "King", [], ["+1 415 555 2671"])
        name_twin = _person("A.", "Lovelace", ["countess@acme.example"], [], acme, "Advisor")
        stranger = _person("Bob", "Smith", ["bob@else.example"], ["+442079460958"])
        set_tags(ada, ["vip"])
        set_tags(ada2, ["newsletter"])
        create_field("person", "Plan", "select", ["Free", "Pro"])
        fields = fields_for("person")
        set_values(fields, ada2.id, validate_values(fields, {"plan": "Pro"})[0])
        db.session.add(Activity(kind="call", body="Called Ada two", person_id=ada2.id))
        db.session.commit()
        return {"ada": ada.id, "ada2": ada2.id, "phone_twin": phone_twin.id, "name_twin": name_twin.id,
                "stranger": stranger.id, "acme": acme.id}


def test_finder_reports_email_phone_and_similar_names(db, company, people):
    with tenancy.company_scope(company.id):
        pairs = {(p.low.id, p.high.id): p.reasons for p in find_duplicates()}
    assert any("same email ada@acme.example" in r for r in pairs[(people["ada"], people["ada2"])])
    assert any("same phone" in r for r in pairs[(people["ada"], people["phone_twin"])])
    assert any("similar name at Acme" in r for r in pairs[(people["ada"], people["name_twin"])])
    assert all(people["stranger"] not in pair for pair in pairs)


def test_finder_page_lists_pairs_and_dismissal_hides_them(logged_in_client, people):
    html = logged_in_client.get("/people/duplicates").get_data(as_text=True)
    assert "same email" in html and "Compare" in html
    response = logged_in_client.post_form(f"/people/{people['ada']}/not-duplicate", {"other": people["phone_twin"]},
                                          token_from="/people/duplicates")
    assert response.status_code == 303
    html = logged_in_client.get("/people/duplicates").get_data(as_text=True)
    assert "same phone" not in html and "same email" in html


def test_side_by_side_merge_keeps_chosen_values_and_moves_everything(app, db, company, logged_in_client, people):
    page = logged_in_client.get(f"/people/{people['ada']}/merge?other={people['ada2']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Keep record" in html and 'name="pick_cf_plan"' in html
    with tenancy.company_scope(company.id):
        versions = [db.session.get(Person, people[k]).version for k in ("ada", "ada2")]
    response = logged_in_client.post_form(
        f"/people/{people['ada']}/merge",
        {"other": people["ada2"], "keep": "left", "left_version": versions[0], "right_version": versions[1],
         "pick_cf_plan": "right", "pick_first_name": "left"},
        token_from=f"/people/{people['ada']}/merge?other={people['ada2']}",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/people/{people['ada']}")
    with tenancy.company_scope(company.id):
        survivor = db.session.get(Person, people["ada"])
        assert db.session.get(Person, people["ada2"]) is None
        assert sorted(e.email for e in survivor.emails) == ["ada@acme.example", "ada@home.example"]
        assert survivor.email == "ada@acme.example"
        assert [t.name for t in survivor.tags] == ["newsletter", "vip"]
        assert values_for(fields_for("person"), [survivor.id]) == {survivor.id: {"plan": "Pro"}}
        bodies = db.session.scalars(select(Activity.body).where(Activity.person_id == survivor.id)).all()
        assert "Called Ada two" in bodies and any(b.startswith("Merged Ada Lovelace") for b in bodies)
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "person_merged")) == 1


def test_merge_keeping_the_other_record(db, company, logged_in_client, people):
    with tenancy.company_scope(company.id):
        versions = [db.session.get(Person, people[k]).version for k in ("ada", "name_twin")]
    response = logged_in_client.post_form(
        f"/people/{people['ada']}/merge",
        {"other": people["name_twin"], "keep": "right", "left_version": versions[0], "right_version": versions[1],
         "pick_first_name": "left"},
        token_from="/people/duplicates",
    )
    assert response.status_code == 303
    with tenancy.company_scope(company.id):
        survivor = db.session.get(Person, people["name_twin"])
        assert survivor.first_name == "Ada" and db.session.get(Person, people["ada"]) is None
        assert {p.number for p in survivor.phones} == {"+14155552671"}
        assert [m.organization_id for m in survivor.memberships] == [people["acme"]]


def test_a_stale_comparison_is_refused_with_409(db, company, logged_in_client, people):
    response = logged_in_client.post_form(
        f"/people/{people['ada']}/merge",
        {"other": people["ada2"], "keep": "left", "left_version": "999", "right_version": "1"}, token_from="/people/duplicates")
    assert response.status_code == 409
    with tenancy.company_scope(company.id):
        assert db.session.get(Person, people["ada2"]) is not None


def test_merge_refuses_readonly_self_and_other_companies(app, db, company, other_company, client, people):
    reader = make_user(company, "reader@acme.test", "readonly")
    client.login(reader.email)
    assert client.get(f"/people/{people['ada']}/merge?other={people['ada2']}").status_code == 403
    outsider = make_user(other_company, "out@other.test", "admin")
    other_client = app.test_client()
    other_client.login(outsider.email)
    assert other_client.get(f"/people/{people['ada']}/merge?other={people['ada2']}").status_code == 404
    assert "Lovelace" not in other_client.get("/people/duplicates").get_data(as_text=True)
    admin = make_user(company, "admin2@acme.test", "admin")
    admin_client = app.test_client()
    admin_client.login(admin.email)
    assert admin_client.get(f"/people/{people['ada']}/merge?other={people['ada']}").status_code == 404
    assert admin_client.get(f"/people/{people['ada']}/merge?other=abc").status_code == 404


def test_merge_picker_suggests_people_sharing_an_email(logged_in_client, people):
    html = logged_in_client.get(f"/people/{people['ada']}/merge").get_data(as_text=True)
    assert "People who share an email or phone" in html and f"other={people['ada2']}" in html
    html = logged_in_client.get(f"/people/{people['ada']}/merge?q=Smith").get_data(as_text=True)
    assert f"other={people['stranger']}" in html


def test_trashed_people_never_take_the_place_of_live_pairs(app, db, company):
    from crm_platform.contacts import bulk
    from crm_platform.duplicates.finder import duplicates_of

    with tenancy.company_scope(company.id):
        gone = _person("Gone", "Away", ["a@shared.example"])
        alive = _person("Still", "Here", ["a@shared.example"])
        twin_a = _person("Twin", "One", ["b@shared.example"])
        twin_b = _person("Other", "Two", ["b@shared.example"])
        db.session.commit()
        with app.test_request_context():
            bulk.trash_people([gone])
        db.session.commit()
        pairs = [(p.low.id, p.high.id) for p in find_duplicates(limit=1)]
        assert pairs == [(twin_a.id, twin_b.id)]
        assert duplicates_of(alive, limit=1) == []
