"""A person's whole lists of emails and phones through the API (``emails`` / ``phones``), and the old single fields."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.contacts.models import PersonEmail, PersonPhone


def create(api, **fields):
    response = api("POST", "/api/v1/people", json={"first_name": "Ada", "last_name": "Lovelace", **fields})
    return response


def patch(api, person, **fields):
    path = f"/api/v1/people/{person.json['id']}"
    return api("PATCH", path, json=fields, **{"If-Match": person.headers["ETag"]})


def contacts(response):
    body = response.json
    return ([(e["email"], e["label"], e["is_primary"]) for e in body["emails"]],
            [(p["number"], p["label"], p["is_primary"]) for p in body["phones"]])


def stored_rows(company, db):
    with tenancy.company_scope(company.id):
        return (sorted(db.session.scalars(select(PersonEmail.email))), sorted(db.session.scalars(select(PersonPhone.number))))


def test_create_with_several_emails_and_phones(api, company, db):
    created = create(api, emails=[
        {"email": "ada@Engines.Example", "label": "work"},
        {"email": "countess@home.example", "label": "home", "primary": True},
    ], phones=[{"number": "+44 20 7946 0958"}, {"number": "+1 (415) 555-2671", "label": "work"}])
    assert created.status_code == 201, created.json
    emails, phones = contacts(created)
    assert emails == [("countess@home.example", "home", True), ("ada@engines.example", "work", False)]
    assert phones == [("+442079460958", "mobile", True), ("+14155552671", "work", False)]
    assert created.json["email"] == "countess@home.example" and created.json["phone"] == "+442079460958"
    assert api("GET", f"/api/v1/people/{created.json['id']}").json == created.json
    # every address and number is searchable, not only the primary ones
    assert [p["id"] for p in api("GET", "/api/v1/people?q=ada@engines").json["data"]] == [created.json["id"]]
    assert [p["id"] for p in api("GET", "/api/v1/people?q=4155552671").json["data"]] == [created.json["id"]]
    assert stored_rows(company, db) == (["ada@engines.example", "countess@home.example"], ["+14155552671", "+442079460958"])


def test_update_replaces_the_lists(api, company, db):
    person = create(api, emails=[{"email": "a@one.example"}, {"email": "b@one.example"}], phones=[{"number": "+14155552671"}])
    changed = patch(api, person, emails=[{"email": "c@two.example", "label": "other"}, {"email": "b@one.example", "is_primary": True}])
    assert changed.status_code == 200, changed.json
    emails, phones = contacts(changed)
    assert emails == [("b@one.example", "work", True), ("c@two.example", "other", False)]
    assert phones == [("+14155552671", "mobile", True)]  # not sent: kept
    assert changed.json["email"] == "b@one.example" and changed.headers["ETag"] != person.headers["ETag"]
    assert changed.json["updated_at"] >= person.json["updated_at"]
    cleared = patch(api, changed, phones=[], emails=[{"email": "d@three.example"}])
    assert cleared.status_code == 200
    assert contacts(cleared) == ([("d@three.example", "work", True)], [])
    assert cleared.json["phone"] == ""
    assert stored_rows(company, db) == (["d@three.example"], [])


def test_numbers_without_a_country_code_use_the_company_region(api, company, db):
    with tenancy.company_scope(company.id):
        company.phone_region = "GB"
        db.session.merge(company)
        db.session.commit()
    created = create(api, phones=[{"number": "020 7946 0958"}], phone="")
    assert created.status_code == 422 and set(created.json["errors"]) == {"phone"}  # both given
    created = create(api, phones=[{"number": "020 7946 0958"}])
    assert created.status_code == 201 and created.json["phone"] == "+442079460958"


@pytest.mark.parametrize(("fields", "errors"), [
    ({"emails": [{"email": "ok@example.com"}, {"email": "not an address"}]}, {"emails[1].email"}),
    ({"emails": [{"email": ""}]}, {"emails[0].email"}),
    ({"emails": [{"email": "a@example.com", "label": "pager"}]}, {"emails[0].label"}),
    ({"emails": [{"email": "a@example.com", "colour": "red"}]}, {"emails[0].colour"}),
    ({"emails": [{"email": "a@example.com", "primary": True, "is_primary": True}]}, {"emails[0].is_primary"}),
    ({"emails": [{"email": "a@example.com"}] * 21}, {"emails"}),
    ({"emails": "a@example.com"}, {"emails"}),
    ({"phones": [{"number": "+14155552671"}, {"number": "12"}]}, {"phones[1].number"}),
    ({"phones": [{"number": "call me"}]}, {"phones[0].number"}),
    ({"phones": [{"number": "415 555 2671"}]}, {"phones[0].number"}),  # no + and no company region
    ({"emails": [{"email": "a@example.com", "primary": True}, {"email": "b@example.com", "primary": True}]},
     {"emails[1].primary"}),
    ({"phones": [{"number": "+14155552671", "primary": True}, {"number": "+442079460958", "primary": True},
                 {"number": "+41446681800", "primary": True}]}, {"phones[1].primary", "phones[2].primary"}),
    ({"emails": [{"email": "Ada@Example.com"}, {"email": "ada@example.COM"}]}, {"emails[1].email"}),
    ({"phones": [{"number": "+1 415 555 2671"}, {"number": "+14155552671"}]}, {"phones[1].number"}),
    ({"email": "a@example.com", "emails": [{"email": "b@example.com"}]}, {"email"}),
    ({"phone": "+14155552671", "phones": []}, {"phone"}),
])
def test_bad_lists_are_422_on_the_entry_and_store_nothing(api, company, db, fields, errors):
    response = create(api, **fields)
    assert response.status_code == 422 and response.is_json
    assert set(response.json["errors"]) == errors, response.json
    assert all(response.json["errors"][key] for key in errors)
    assert api("GET", "/api/v1/people").json["data"] == []
    assert stored_rows(company, db) == ([], [])


def test_duplicate_message_names_the_entry(api):
    response = create(api, emails=[{"email": "ada@example.com"}, {"email": "ADA@example.com"}])
    assert response.json["errors"]["emails[1].email"] == ["ADA@example.com is listed twice."]
    response = create(api, emails=[{"email": "a@example.com"}, {"email": "b@example.com", "primary": True},
                                   {"email": "c@example.com", "primary": True}])
    assert response.json["errors"] == {"emails[2].primary": ["Only one email address can be primary."]}


def test_bad_update_changes_nothing(api, company, db):
    person = create(api, emails=[{"email": "a@example.com"}], phones=[{"number": "+14155552671"}])
    for fields in ({"emails": [{"email": "b@example.com"}, {"email": "B@example.com"}]},
                   {"phones": [{"number": "+14155552671", "primary": True}, {"number": "+442079460958", "primary": True}]},
                   {"emails": None}, {"phones": None},
                   {"email": "z@example.com", "emails": []}):
        response = patch(api, person, **fields)
        assert response.status_code == 422, fields
    assert api("GET", f"/api/v1/people/{person.json['id']}").json == person.json
    assert stored_rows(company, db) == (["a@example.com"], ["+14155552671"])


def test_single_fields_still_set_the_primary_entry(api):
    person = create(api, email="Ada@Engines.Example", phone="+44 20 7946 0958")
    assert person.status_code == 201
    assert contacts(person) == ([("Ada@engines.example", "work", True)], [("+442079460958", "mobile", True)])
    with_lists = patch(api, person, emails=[{"email": "Ada@engines.example"}, {"email": "second@engines.example"}])
    assert with_lists.status_code == 200
    changed = patch(api, with_lists, email="new@engines.example", phone="+14155552671")
    assert changed.status_code == 200
    emails, phones = contacts(changed)
    assert emails[0] == ("new@engines.example", "work", True)
    assert {e for e, _, primary in emails if not primary} == {"Ada@engines.example", "second@engines.example"}
    assert phones[0] == ("+14155552671", "mobile", True) and changed.json["email"] == "new@engines.example"
    assert "email" in create(api, email="not an address").json["errors"]
    assert "phone" in create(api, phone="12").json["errors"]


def test_openapi_document_describes_the_lists(client):
    spec = client.get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    for name in ("PersonCreate", "PersonUpdate"):
        properties = schemas[name]["properties"]
        assert properties["emails"]["items"] == {"$ref": "#/components/schemas/EmailAddressInput"}
        assert properties["phones"]["items"] == {"$ref": "#/components/schemas/PhoneNumberInput"}
    email = schemas["EmailAddressInput"]
    assert email["required"] == ["email"] and email["additionalProperties"] is False
    assert set(email["properties"]) == {"email", "label", "primary"}
    assert email["properties"]["label"]["enum"] == ["work", "home", "other"]
    assert schemas["PhoneNumberInput"]["properties"]["label"]["enum"] == ["mobile", "work", "home", "other"]
    assert "Sending both" in " ".join(schemas["PersonCreate"].get("description", "").split())
