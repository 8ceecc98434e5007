"""The person form (several emails, phones, organizations; address, web, tags, custom fields),
the detail page with click-to-edit fields, 422 and 409 fragments, and escaping."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from crm_platform import tenancy
from crm_platform.contacts.models import Organization, Person, PersonEmail, PersonOrganization, PersonPhone
from crm_platform.customfields.service import create_field, fields_for, values_for
from crm_platform.testing import make_user

SCRIPT = "<script>alert(1)</script>"


def in_company(company: Any, func_: Any) -> Any:
    with tenancy.company_scope(company.id):
        return func_()


def add_org(db: Any, company: Any, name: str) -> int:
    def make() -> int:
        org = Organization(name=name)
        db.session.add(org)
        db.session.commit()
        return org.id
    return in_company(company, make)


def post(client: Any, path: str, data: dict[str, Any]) -> Any:
    return client.post_form(path, data, token_from="/people")


def base(**extra: Any) -> dict[str, Any]:
    return {"first_name": "Ada", "last_name": "Lovelace", "lifecycle_stage": "lead", **extra}


def people_count(db: Any, company: Any) -> int:
    return in_company(company, lambda: db.session.scalar(select(func.count()).select_from(Person)))


def the_person(db: Any, company: Any) -> Person:
    def get() -> Person:
        db.session.expire_all()
        person = db.session.scalars(select(Person)).one()
        _ = person.emails, person.phones, person.memberships, person.tags
        return person
    return in_company(company, get)


def test_form_saves_several_emails_phones_and_organizations_and_mirrors_the_primary(logged_in_client, company, db):
    acme, initech = add_org(db, company, "Acme Corp"), add_org(db, company, "Initech")
    response = post(logged_in_client, "/people", base(**{
        "emails-0-email": "ada@work.example", "emails-0-label": "work",
        "emails-4-email": "Ada@HOME.example", "emails-4-label": "home", "email_primary": "4",
        "phones-0-number": "+44 20 7946 0958", "phones-0-label": "work",
        "phones-2-number": "+1 (415) 555-2671", "phones-2-label": "mobile", "phone_primary": "2",
        "organizations-0-organization_id": str(acme), "organizations-0-role": "CTO",
        "organizations-1-organization_id": str(initech), "organizations-1-role": "Advisor", "organization_primary": "1",
        "street": "12 Analytical Row", "postal_code": "N1 9GU", "city": "London", "region": "", "country": "United Kingdom",
        "website": "ada.example", "social_github": "https://github.com/ada-l", "social_x": "@ada_l",
        "social_linkedin": "linkedin.com/in/ada-lovelace", "source": "Referral", "tags": "vip, newsletter, VIP",
    }))
    assert response.status_code == 303, response.get_data(as_text=True)
    person = the_person(db, company)
    assert person.email == "Ada@home.example" and person.phone == "+14155552671"
    assert person.organization_id == initech and person.job_title == "Advisor"
    assert [(e.email, e.label, e.is_primary) for e in person.emails] == [
        ("Ada@home.example", "home", True), ("ada@work.example", "work", False)]
    assert {p.number for p in person.phones} == {"+442079460958", "+14155552671"}
    assert {(m.organization_id, m.role) for m in person.memberships} == {(acme, "CTO"), (initech, "Advisor")}
    assert (person.city, person.website, person.source) == ("London", "https://ada.example", "Referral")
    assert person.social == {"github": "ada-l", "x": "ada_l", "linkedin": "ada-lovelace"}
    assert sorted(t.name for t in person.tags) == ["newsletter", "vip"]

    page = logged_in_client.get(f"/people/{person.id}").get_data(as_text=True)
    assert 'href="mailto:Ada@home.example"' in page and 'href="tel:+14155552671"' in page
    assert "+1 415-555-2671" in page and "+44 20 7946 0958" in page  # formatted for display
    assert "https://github.com/ada-l" in page and "CTO" in page and "Initech" in page


@pytest.mark.parametrize(("data", "error_id", "message"), [
    ({"emails-0-email": "ada@ok.example", "emails-1-email": "not-an-email"}, "emails-1-email-error", "Enter a valid email address."),
    ({"emails-0-email": "ada@ok.example", "emails-1-email": "ADA@ok.example"}, "emails-1-email-error", "listed twice"),
    ({"phones-0-number": "+44 20 7946 0958", "phones-1-number": "12345"}, "phones-1-number-error", "phone number"),
    ({"phones-0-number": "+44 20 7946 0958", "phones-1-number": "+44 (20) 7946-0958"}, "phones-1-number-error", "listed twice"),
    ({"website": "javascript:alert(1)"}, "website-error", "Enter a web address"),
    ({"social_github": "https://evil.example/ada"}, "social_github-error", "not a GitHub address"),
    ({"organizations-0-organization_id": "999999"}, "organizations-0-organization_id-error", "Choose an organization"),
])
def test_bad_input_is_422_with_the_error_beside_its_row_and_nothing_saved(logged_in_client, company, db, data, error_id, message):
    response = post(logged_in_client, "/people", base(**data))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    match = re.search(rf'id="{error_id}">([^<]*)<', html)
    assert match and message in match.group(1), html[html.find("error"):][:400]
    assert people_count(db, company) == 0
    for value in data.values():  # what was typed is still there (a duplicate number is shown normalised)
        if value not in ("999999",) and "listed twice" not in message:
            assert f'value="{value}"' in html.replace("&#39;", "'") or value.replace("&", "&amp;") in html


def test_numbers_without_country_code_use_the_company_region(logged_in_client, company, db):
    response = post(logged_in_client, "/people", base(**{"phones-0-number": "030 901820"}))
    assert response.status_code == 422 and "start it with +" in response.get_data(as_text=True)
    company.phone_region = "DE"
    db.session.commit()
    assert post(logged_in_client, "/people", base(**{"phones-0-number": "030 901820"})).status_code == 303
    assert the_person(db, company).phone == "+4930901820"


def test_custom_fields_get_their_widgets_and_are_validated(logged_in_client, company, db):
    def setup() -> None:
        create_field("person", "Segment", "select", ["SMB", "Enterprise"], required=True)
        create_field("person", "Seats", "number")
        create_field("person", "Renewal", "date")
        create_field("person", "Channels", "multiselect", ["Email", "Phone", "Post"])
        create_field("person", "Newsletter", "checkbox")
        create_field("person", "Profile", "url")
        db.session.commit()
    in_company(company, setup)
    form = logged_in_client.get("/people/new").get_data(as_text=True)
    assert '<select class="input" id="cf-segment" name="cf_segment"' in form
    assert 'type="date"' in form and 'name="cf_channels" value="Post"' in form and 'type="checkbox" id="cf-newsletter"' in form
    bad = post(logged_in_client, "/people", base(cf_seats="lots", cf_renewal="31/02/2026", cf_profile="ftp://x", cf_channels="Fax"))
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    for fid, message in (("segment", "required"), ("seats", "Enter a number"), ("renewal", "YYYY-MM-DD"),
                         ("profile", "http"), ("channels", "not one of the choices")):
        assert re.search(rf'id="cf-{fid}-error">[^<]*{message}', html), fid
    assert 'value="lots"' in html and people_count(db, company) == 0
    good = logged_in_client.post("/people", data={
        **base(), "csrf_token": logged_in_client.csrf_token("/people"), "cf_segment": "SMB", "cf_seats": "1,200",
        "cf_renewal": "2027-03-01", "cf_channels": ["Email", "Post"], "cf_newsletter": "1", "cf_profile": "https://ada.example"})
    assert good.status_code == 303
    person = the_person(db, company)
    values = in_company(company, lambda: values_for(fields_for("person"), [person.id])[person.id])
    assert values == {"segment": "SMB", "seats": "1200", "renewal": "2027-03-01", "channels": ["Email", "Post"],
                      "newsletter": True, "profile": "https://ada.example"}
    page = logged_in_client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "2027-03-01" in page and "Enterprise" not in page and 'href="https://ada.example"' in page


def test_full_edit_keeps_rows_and_refuses_a_stale_version(logged_in_client, company, user, db):
    post(logged_in_client, "/people", base(**{"emails-0-email": "ada@one.example", "emails-1-email": "ada@two.example"}))
    person = the_person(db, company)
    form = logged_in_client.get(f"/people/{person.id}/edit").get_data(as_text=True)
    assert 'value="ada@one.example"' in form and 'value="ada@two.example"' in form
    version = re.search(r'name="version" type="hidden" value="(\d+)"|id="version" name="version" type="hidden" value="(\d+)"', form)
    old = next(v for v in version.groups() if v)
    in_company(company, lambda: (setattr(db.session.get(Person, person.id), "first_name", "Augusta"), db.session.commit()))
    stale = post(logged_in_client, f"/people/{person.id}/edit", base(first_name="Countess", version=old,
                                                                     **{"emails-0-email": "ada@one.example"}))
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "was changed meanwhile" in html and 'value="Countess"' in html
    assert the_person(db, company).first_name == "Augusta"  # nothing overwritten
    current = re.search(r'name="version" type="hidden" value="(\d+)"|id="version" name="version" type="hidden" value="(\d+)"', html)
    again = post(logged_in_client, f"/people/{person.id}/edit", base(first_name="Countess", version=next(v for v in current.groups() if v),
                                                                     **{"emails-0-email": "ada@one.example"}))
    assert again.status_code == 303  # deliberate overwrite after seeing the conflict
    saved = the_person(db, company)
    assert saved.first_name == "Countess" and [e.email for e in saved.emails] == ["ada@one.example"]


# Click-to-edit -----------------------------------------------------------------------------


def make_person(db: Any, company: Any, **fields: Any) -> tuple[int, int]:
    def make() -> tuple[int, int]:
        from crm_platform.contacts.services import create_person

        person = Person(**{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@engines.example",
                           "phone": "+442079460958", **fields})
        create_person(person)
        db.session.commit()
        return person.id, person.version
    return in_company(company, make)


def hx(client: Any, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.htmx(method, path, data, token_from="/people")


def test_click_to_edit_get_edit_fragment_save_and_cancel(logged_in_client, company, user, db):
    pid, version = make_person(db, company)
    edit = hx(logged_in_client, "get", f"/people/{pid}/inline/stage")
    html = edit.get_data(as_text=True)
    assert edit.status_code == 200 and 'name="lifecycle_stage"' in html and f'name="version" value="{version}"' in html
    assert "<html" not in html
    saved = hx(logged_in_client, "post", f"/people/{pid}/inline/stage", {"lifecycle_stage": "customer", "version": version})
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "badge-customer" in html and 'hx-swap-oob="true"' in html
    assert the_person(db, company).lifecycle_stage == "customer"
    cancel = hx(logged_in_client, "get", f"/people/{pid}/inline/stage?show=1")
    assert cancel.status_code == 200 and "inline-edit-button" in cancel.get_data(as_text=True)
    assert hx(logged_in_client, "get", f"/people/{pid}/inline/nonsense").status_code == 404


@pytest.mark.parametrize(("field", "data", "check"), [
    ("name", {"first_name": "Augusta", "last_name": "King"}, lambda p: p.full_name == "Augusta King"),
    ("tags", {"tags": "vip, partner"}, lambda p: sorted(t.name for t in p.tags) == ["partner", "vip"]),
    ("address", {"street": "1 Row", "postal_code": "N1", "city": "London", "region": "", "country": "UK"},
     lambda p: (p.street, p.city, p.country) == ("1 Row", "London", "UK")),
    ("website", {"website": "ada.example"}, lambda p: p.website == "https://ada.example"),
    ("phone", {"phone": "+1 415 555 2671"}, lambda p: p.phone == "+14155552671" and len(p.phones) == 1),
    ("email", {"email": "new@engines.example"}, lambda p: p.email == "new@engines.example"),
    ("social", {"social_linkedin": "https://www.linkedin.com/in/ada/"}, lambda p: p.social == {"linkedin": "ada"}),
    ("source", {"source": "Trade fair"}, lambda p: p.source == "Trade fair"),
])
def test_click_to_edit_saves_each_field(logged_in_client, company, user, db, field, data, check):
    pid, version = make_person(db, company)
    response = hx(logged_in_client, "post", f"/people/{pid}/inline/{field}", {**data, "version": version})
    assert response.status_code == 200, response.get_data(as_text=True)
    person = the_person(db, company)
    assert check(person) and person.version > version and person.updated_by_id == user.id


@pytest.mark.parametrize(("field", "data", "message"), [
    ("phone", {"phone": "not a phone"}, "is not a phone number"),
    ("email", {"email": "nope@"}, "not a valid email"),
    ("name", {"first_name": "", "last_name": " "}, "Enter a first or a last name."),
    ("website", {"website": "javascript:alert(1)"}, "Enter a web address"),
    ("stage", {"lifecycle_stage": "vip"}, "Choose one of the stages."),
    ("owner", {"owner_id": "999999"}, "Choose a member"),
    ("social", {"social_x": "https://github.com/ada"}, "not a X (Twitter) address"),
])
def test_click_to_edit_bad_input_is_422_with_the_fragment_and_nothing_saved(logged_in_client, company, user, db, field, data, message):
    pid, version = make_person(db, company)
    response = hx(logged_in_client, "post", f"/people/{pid}/inline/{field}", {**data, "version": version})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and "is-editing" in html and "<html" not in html
    person = the_person(db, company)
    assert person.version == version and person.phone == "+442079460958" and person.first_name == "Ada"
    for value in data.values():
        if value.strip() and field not in ("stage", "owner"):  # select boxes show only valid choices
            assert value in html  # the typed value is kept in the input


def test_click_to_edit_custom_field_and_required(logged_in_client, company, user, db):
    in_company(company, lambda: (create_field("person", "Seats", "number", required=True), db.session.commit()))
    pid, version = make_person(db, company)
    assert hx(logged_in_client, "post", f"/people/{pid}/inline/cf_seats", {"cf_seats": "", "version": version}).status_code == 422
    ok = hx(logged_in_client, "post", f"/people/{pid}/inline/cf_seats", {"cf_seats": "25", "version": version})
    assert ok.status_code == 200 and "25" in ok.get_data(as_text=True)
    assert in_company(company, lambda: values_for(fields_for("person"), [pid])[pid]) == {"seats": "25"}
    assert the_person(db, company).version > version  # custom values bump the version too


def test_two_clients_editing_the_same_version_get_a_409_with_the_current_value(app, logged_in_client, company, user, db):
    colleague = make_user(company, "grace@acme.test", "member", name="Grace Hopper")
    other = app.test_client()
    assert other.login(colleague.email).status_code == 303
    pid, version = make_person(db, company)
    for client in (logged_in_client, other):  # both open the stage editor on the same version
        assert f'value="{version}"' in hx(client, "get", f"/people/{pid}/inline/stage").get_data(as_text=True)
    first = hx(other, "post", f"/people/{pid}/inline/stage", {"lifecycle_stage": "customer", "version": version})
    assert first.status_code == 200
    second = hx(logged_in_client, "post", f"/people/{pid}/inline/stage", {"lifecycle_stage": "churned", "version": version})
    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Changed meanwhile" in html and "Grace Hopper" in html and "badge-customer" in html
    assert '<option value="churned" selected>' in html  # my value is still in the form
    assert the_person(db, company).lifecycle_stage == "customer"  # never silently overwritten
    newer = re.search(r'name="version" value="(\d+)"', html).group(1)
    overwrite = hx(logged_in_client, "post", f"/people/{pid}/inline/stage", {"lifecycle_stage": "churned", "version": newer})
    assert overwrite.status_code == 200 and the_person(db, company).lifecycle_stage == "churned"


def test_readonly_users_see_values_but_cannot_edit(app, company, db):
    reader = make_user(company, "rita@acme.test", "readonly")
    client = app.test_client()
    client.login(reader.email)
    pid, version = make_person(db, company)
    page = client.get(f"/people/{pid}").get_data(as_text=True)
    assert "inline-edit-button" not in page and "ada@engines.example" in page
    shown = hx(client, "get", f"/people/{pid}/inline/stage")
    assert shown.status_code == 200 and 'name="lifecycle_stage"' not in shown.get_data(as_text=True)
    assert hx(client, "post", f"/people/{pid}/inline/stage", {"lifecycle_stage": "customer", "version": version}).status_code == 403
    assert the_person(db, company).lifecycle_stage == "lead"


def test_other_company_people_are_404_for_click_to_edit(logged_in_client, company, other_company, db):
    pid, version = make_person(db, other_company)
    assert hx(logged_in_client, "get", f"/people/{pid}/inline/stage").status_code == 404
    assert hx(logged_in_client, "post", f"/people/{pid}/inline/stage", {"lifecycle_stage": "churned", "version": version}).status_code == 404


# Detail page, escaping, organizations ------------------------------------------------------


def test_script_in_names_is_escaped_everywhere(logged_in_client, company, user, db):
    org = add_org(db, company, SCRIPT)
    post(logged_in_client, "/people", base(first_name=SCRIPT, last_name=SCRIPT, tags=SCRIPT, source=SCRIPT,
                                            **{"organizations-0-organization_id": str(org), "organizations-0-role": SCRIPT}))
    person = the_person(db, company)
    colleague = make_person(db, company, first_name="Colleague", organization_id=org)[0]
    pages = [
        logged_in_client.get(f"/people/{person.id}"), logged_in_client.get(f"/people/{person.id}/edit"),
        logged_in_client.get(f"/organizations/{org}"), logged_in_client.get(f"/people/{colleague}"),
        hx(logged_in_client, "get", f"/people/{person.id}/inline/name"),
        hx(logged_in_client, "post", f"/people/{person.id}/inline/source", {"source": SCRIPT, "version": person.version}),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and SCRIPT not in html
        assert "&lt;script&gt;" in html


def test_detail_page_shows_key_facts_organizations_and_related_people(logged_in_client, company, user, db):
    acme = add_org(db, company, "Acme Corp")
    post(logged_in_client, "/people", base(owner_id=str(user.id), source="Referral", tags="vip", **{
        "emails-0-email": "ada@acme.example", "phones-0-number": "+442079460958",
        "organizations-0-organization_id": str(acme), "organizations-0-role": "CTO"}))
    person = the_person(db, company)
    colleague_id = make_person(db, company, first_name="Grace", last_name="Hopper", organization_id=acme, job_title="CEO")[0]
    html = logged_in_client.get(f"/people/{person.id}").get_data(as_text=True)
    header = html.split('id="person-header"', 1)[1].split("</section>", 1)[0]
    for text in ("CTO", "Acme Corp", "badge-lead", "vip", "mailto:ada@acme.example", "tel:+442079460958", "Ada Admin", "Referral"):
        assert text in header, text
    assert f'href="/people/{colleague_id}"' in html.split('id="colleagues-heading"', 1)[1]
    assert "Timeline" in html and 'id="timeline-list"' in html


def test_organization_page_lists_people_with_roles_and_edits_in_place(logged_in_client, company, user, db):
    acme = add_org(db, company, "Acme Corp")
    post(logged_in_client, "/people", base(**{"organizations-0-organization_id": str(acme), "organizations-0-role": "Chief Engineer"}))
    html = logged_in_client.get(f"/organizations/{acme}").get_data(as_text=True)
    assert "Chief Engineer" in html and "Ada Lovelace" in html
    version = in_company(company, lambda: db.session.get(Organization, acme).version)
    saved = hx(logged_in_client, "post", f"/organizations/{acme}/inline/industry", {"industry": "Robotics", "version": version})
    assert saved.status_code == 200 and "Robotics" in saved.get_data(as_text=True)
    stale = hx(logged_in_client, "post", f"/organizations/{acme}/inline/industry", {"industry": "Mining", "version": version})
    assert stale.status_code == 409 and "Robotics" in stale.get_data(as_text=True)
    assert hx(logged_in_client, "post", f"/organizations/{acme}/inline/name", {"name": "", "version": version + 1}).status_code == 422
    assert in_company(company, lambda: db.session.get(Organization, acme).industry) == "Robotics"


def test_organization_form_with_custom_fields_and_conflicts(logged_in_client, company, db):
    in_company(company, lambda: (create_field("organization", "Employees", "number", required=True), db.session.commit()))
    form = logged_in_client.get("/organizations/new").get_data(as_text=True)
    assert 'name="cf_employees"' in form
    bad = post(logged_in_client, "/organizations", {"name": "Acme", "cf_employees": "many"})
    assert bad.status_code == 422 and "Enter a number" in bad.get_data(as_text=True)
    assert post(logged_in_client, "/organizations", {"name": "Acme", "cf_employees": "250"}).status_code == 303
    org = in_company(company, lambda: db.session.scalars(select(Organization)).one())
    assert in_company(company, lambda: values_for(fields_for("organization"), [org.id])[org.id]) == {"employees": "250"}
    assert "250" in logged_in_client.get(f"/organizations/{org.id}").get_data(as_text=True)
    stale = post(logged_in_client, f"/organizations/{org.id}/edit", {"name": "Renamed", "cf_employees": "1", "version": str(org.version - 1)})
    assert stale.status_code == 409 and "changed meanwhile" in stale.get_data(as_text=True)
    assert in_company(company, lambda: db.session.get(Organization, org.id).name) == "Acme"


def test_person_rows_keep_membership_roles_when_editing(logged_in_client, company, db):
    acme = add_org(db, company, "Acme Corp")
    pid = make_person(db, company, organization_id=acme, job_title="Analyst")[0]
    form = logged_in_client.get(f"/people/{pid}/edit").get_data(as_text=True)
    assert 'value="Analyst"' in form and f'<option selected value="{acme}">' in form
    assert in_company(company, lambda: db.session.scalar(select(func.count()).select_from(PersonOrganization))) == 1
    assert in_company(company, lambda: db.session.scalar(select(func.count()).select_from(PersonEmail))) == 1
    assert in_company(company, lambda: db.session.scalar(select(func.count()).select_from(PersonPhone))) == 1


def test_company_phone_region_setting(logged_in_client, company, db):
    page = logged_in_client.get("/settings/company").get_data(as_text=True)
    assert 'name="phone_region"' in page and "DE · +49" in page
    bad = logged_in_client.post_form("/settings/company", {"name": "Acme", "phone_region": "XX"}, token_from="/settings/company")
    assert bad.status_code == 422 and "Choose a country" in bad.get_data(as_text=True)
    ok = logged_in_client.post_form("/settings/company", {"name": "Acme", "phone_region": "de"}, token_from="/settings/company")
    assert ok.status_code == 303
    db.session.expire_all()
    assert company.phone_region == "DE"
    assert "Phone region changed" in logged_in_client.get("/settings/audit").get_data(as_text=True)
