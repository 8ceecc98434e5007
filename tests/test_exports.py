"""Exports: the filtered people list as CSV and XLSX (formula-safe), one person as a vCard 4.0."""

from __future__ import annotations

import csv
import io

import pytest
import vobject
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.audit.models import AuditEvent
from crm_platform.contacts.details import (
    EmailEntry, MembershipEntry, PhoneEntry, set_emails, set_memberships, set_phones, set_tags,
)
from crm_platform.contacts.models import Organization, Person
from crm_platform.contacts.services import create_person
from crm_platform.customfields.service import create_field, set_values, validate_values
from crm_platform.dataio.downloads import safe_cell
from crm_platform.testing import make_user


@pytest.fixture()
def people(db, company, user):
    with tenancy.company_scope(company.id):
        engines = Organization(name="Analytical Engines")
        navy = Organization(name="=HYPERLINK(\"http://evil\")")
        db.session.add_all([engines, navy])
        db.session.flush()
        field = create_field("person", "Shirt size", "select", options=["S", "M"])
        ada = Person(first_name="Ada", last_name="Lovelace", lifecycle_stage="customer", owner_id=user.id,
                     street="12 St James's Square", postal_code="SW1Y 4JH", city="London", country="UK",
                     website="https://ada.example", social={"github": "ada"})
        set_emails(ada, [EmailEntry("ada@example.com"), EmailEntry("countess@example.org", "home")])
        set_phones(ada, [PhoneEntry("+44 20 7946 0958"), PhoneEntry("+1 415 555 0123", "work")])
        create_person(ada)
        set_memberships(ada, [MembershipEntry(engines.id, "Countess"), MembershipEntry(navy.id, "Advisor")])
        set_tags(ada, ["vip", "math"])
        rows, _ = validate_values([field], {"shirt_size": "M"})
        set_values([field], ada.id, rows)
        evil = Person(first_name="=1+2", last_name="@SUM(A1)", email="", lifecycle_stage="lead")
        create_person(evil)
        tab = Person(first_name="\tTab", last_name="-minus", lifecycle_stage="lead")
        create_person(tab)
        db.session.commit()
        return {"ada": ada.id, "evil": evil.id}


def read_csv(response):
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_has_every_field_of_every_person(logged_in_client, people):
    rows = read_csv(logged_in_client.get("/people/export.csv"))
    header, body = rows[0], rows[1:]
    assert header[:6] == ["ID", "First name", "Last name", "Emails", "Phones", "Organization"] and header[-1] == "Shirt size"
    ada = dict(zip(header, next(r for r in body if r[1] == "Ada"), strict=True))
    assert ada["Emails"] == "ada@example.com; countess@example.org"
    assert ada["Phones"] == "'+442079460958; +14155550123"  # formula guard (the importer removes it)
    assert (ada["Organization"], ada["Job title"]) == ("Analytical Engines", "Countess")
    assert ada["Other organizations"] == "'=HYPERLINK(\"http://evil\") (Advisor)"
    assert (ada["Tags"], ada["Stage"], ada["Owner"], ada["Shirt size"]) == ("math; vip", "customer", "ada@acme.test", "M")
    assert (ada["City"], ada["Postal code"], ada["Social"]) == ("London", "SW1Y 4JH", "github: ada")


def test_csv_cells_are_formula_safe(logged_in_client, people):
    rows = read_csv(logged_in_client.get("/people/export.csv"))
    names = {(r[1], r[2]) for r in rows[1:]}
    assert ("'=1+2", "'@SUM(A1)") in names and ("'\tTab", "'-minus") in names


@pytest.mark.parametrize("text", ["=cmd", "+1", "-1", "@x", "\tx", "\rx"])
def test_safe_cell_prefixes_formula_starts(text):
    assert safe_cell(text) == "'" + text
    assert safe_cell("plain =") == "plain =" and safe_cell(None) == "" and safe_cell(12) == "12"


def test_export_follows_the_list_filters(logged_in_client, people):
    rows = read_csv(logged_in_client.get("/people/export.csv?q=lovelace"))
    assert [r[1] for r in rows[1:]] == ["Ada"]
    rows = read_csv(logged_in_client.get("/people/export.csv?stage=lead"))
    assert sorted(r[2] for r in rows[1:]) == ["'-minus", "'@SUM(A1)"]
    assert len(read_csv(logged_in_client.get("/people/export.csv?stage=nope"))) == 4  # ignored, as on the list
    rows = read_csv(logged_in_client.get("/people/export.csv?tag=vip"))
    assert [r[1] for r in rows[1:]] == ["Ada"]
    page = logged_in_client.get("/people?q=lovelace").get_data(as_text=True)
    assert "/people/export.csv?q=lovelace" in page and "/people/export.xlsx?q=lovelace" in page


def test_xlsx_export_is_formula_safe(logged_in_client, people):
    from openpyxl import load_workbook

    response = logged_in_client.get("/people/export.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][1:3] == ["First name", "Last name"]
    assert ["'=1+2", "'@SUM(A1)"] in [r[1:3] for r in rows[1:]]
    ada = next(r for r in rows if r[1] == "Ada")
    assert ada[3] == "ada@example.com; countess@example.org"


def test_exports_are_audited_and_allowed_to_readonly_users(app, db, company, people):
    make_user(company, "ro@acme.test", "readonly")
    client = app.test_client()
    client.login("ro@acme.test")
    assert len(read_csv(client.get("/people/export.csv"))) == 4
    with tenancy.company_scope(company.id):
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "people.exported")).all()
    assert len(events) == 1 and "CSV export" in events[0].detail


def test_exports_never_include_other_companies(app, db, company, other_company, people):
    make_user(other_company, "gus@globex.test", "owner")
    client = app.test_client()
    client.login("gus@globex.test")
    assert read_csv(client.get("/people/export.csv")) == [read_csv(client.get("/people/export.csv"))[0]]
    assert client.get(f"/people/{people['ada']}.vcf").status_code == 404


def test_vcard_has_every_detail_and_parses_back(logged_in_client, people):
    response = logged_in_client.get(f"/people/{people['ada']}.vcf")
    assert response.status_code == 200 and response.mimetype == "text/vcard"
    assert response.headers["Content-Disposition"] == 'attachment; filename="ada-lovelace.vcf"'
    card = vobject.readOne(response.get_data(as_text=True))
    assert card.version.value == "4.0" and card.fn.value == "Ada Lovelace"
    assert (card.n.value.given, card.n.value.family) == ("Ada", "Lovelace")
    assert [e.value for e in card.email_list] == ["ada@example.com", "countess@example.org"]
    assert [t.value for t in card.tel_list] == ["+442079460958", "+14155550123"]
    assert card.org.value == ["Analytical Engines"] and card.title.value == "Countess"
    assert (card.adr.value.street, card.adr.value.code, card.adr.value.city) == ("12 St James's Square", "SW1Y 4JH", "London")
    assert card.url.value == "https://ada.example"
    assert card.note.value == "Tags: math, vip" and card.categories.value == ["math", "vip"]


def test_vcard_escapes_special_characters(logged_in_client, db, company, people):
    with tenancy.company_scope(company.id):
        person = Person(first_name="Semi;colon", last_name="Comma, Jr.\nNewline", lifecycle_stage="lead")
        create_person(person)
        db.session.commit()
        person_id = person.id
    text = logged_in_client.get(f"/people/{person_id}.vcf").get_data(as_text=True)
    assert "Semi\\;colon" in text and "\\n" in text
    card = vobject.readOne(text)
    assert card.n.value.given == "Semi;colon" and card.n.value.family == "Comma, Jr.\nNewline"


def test_the_person_page_offers_the_vcard(logged_in_client, people):
    page = logged_in_client.get(f"/people/{people['ada']}").get_data(as_text=True)
    assert "Download vCard" in page and f"/people/{people['ada']}.vcf" in page


def test_an_export_imports_back_into_another_company(app, db, company, other_company, logged_in_client, people):
    from tests.imports_helpers import import_file

    exported = logged_in_client.get("/people/export.csv").get_data()
    make_user(other_company, "ada@acme.test", "owner")  # the same user, owner of both companies
    client = app.test_client()
    client.login("ada@acme.test")
    assert client.post_form("/switch-company", {"company_id": other_company.id}, token_from="/").status_code in (302, 303)
    job = import_file(client, db, other_company, exported)
    assert (job.created_count, job.refused_count) == (3, 0), job.error
    with tenancy.company_scope(other_company.id):
        ada = db.session.scalars(select(Person).where(Person.first_name == "Ada")).one()
        assert [p.number for p in ada.phones] == ["+442079460958", "+14155550123"]
        assert [e.email for e in ada.emails] == ["ada@example.com", "countess@example.org"]
        assert sorted(t.name for t in ada.tags) == ["math", "vip"] and ada.organization.name == "Analytical Engines"
        evil = db.session.scalars(select(Person).where(Person.last_name == "@SUM(A1)")).one()
        assert evil.first_name == "=1+2"
