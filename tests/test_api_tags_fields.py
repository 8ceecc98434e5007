"""Tags, custom fields and the newer person fields through the API."""

import pytest

from crm_platform import tenancy


@pytest.fixture()
def fields(db, company):
    """A required select field and a multi-select field on people."""
    from crm_platform.customfields.service import create_field

    with tenancy.company_scope(company.id):
        create_field("person", "Segment", "select", options=["retail", "wholesale"], required=True, key="segment")
        create_field("person", "Interests", "multiselect", options=["hiking", "climbing", "skiing"], key="interests")
        create_field("organization", "Size", "number", key="size")
        db.session.commit()


def test_people_carry_tags_custom_fields_and_contact_lists(api, fields):
    created = api("POST", "/api/v1/people", json={
        "first_name": "Ann", "email": "Ann@Example.com", "phone": "+41 44 668 18 00", "city": "Zürich",
        "tags": ["VIP", "newsletter", "vip"], "custom_fields": {"segment": "retail", "interests": ["hiking", "skiing"]},
    })
    assert created.status_code == 201, created.json
    person = created.json
    assert sorted(person["tags"], key=str.lower) == ["newsletter", "VIP"]
    assert person["custom_fields"] == {"segment": "retail", "interests": ["hiking", "skiing"]}
    assert person["phone"] == "+41446681800" and person["city"] == "Zürich"
    assert [e["email"] for e in person["emails"]] == [person["email"]] and person["emails"][0]["is_primary"]
    assert person["phones"][0]["number"] == "+41446681800"
    path = f"/api/v1/people/{person['id']}"
    changed = api("PATCH", path, json={"tags": ["newsletter"], "custom_fields": {"interests": ["climbing"]}},
                  **{"If-Match": created.headers["ETag"]})
    assert changed.status_code == 200
    assert changed.json["tags"] == ["newsletter"]
    assert changed.json["custom_fields"] == {"segment": "retail", "interests": ["climbing"]}  # keys left out stay
    assert changed.headers["ETag"] != created.headers["ETag"]  # a tag change is a new version
    listed = api("GET", "/api/v1/people?tag=NEWSLETTER").json["data"]
    assert [p["id"] for p in listed] == [person["id"]] and listed[0]["custom_fields"]["segment"] == "retail"
    assert api("GET", "/api/v1/people?tag=vip").json["data"] == []


def test_custom_field_errors_are_per_key(api, fields):
    missing = api("POST", "/api/v1/people", json={"first_name": "Bo"})
    assert missing.status_code == 422 and "custom_fields.segment" in missing.json["errors"]
    wrong = api("POST", "/api/v1/people", json={"first_name": "Bo", "custom_fields": {"segment": "vip", "shoe_size": 44, "interests": ["golf"]}})
    assert wrong.status_code == 422
    assert set(wrong.json["errors"]) == {"custom_fields.segment", "custom_fields.shoe_size", "custom_fields.interests"}
    assert "phone" in api("POST", "/api/v1/people", json={"first_name": "Bo", "phone": "12", "custom_fields": {"segment": "retail"}}).json["errors"]


def test_custom_field_definitions_are_read_only(api, fields):
    listed = api("GET", "/api/v1/custom-fields?entity=person").json["data"]
    assert [(f["key"], f["field_type"], f["required"]) for f in listed] == [("segment", "select", True), ("interests", "multiselect", False)]
    assert listed[0]["options"] == ["retail", "wholesale"]
    one = api("GET", f"/api/v1/custom-fields/{listed[0]['id']}")
    assert one.status_code == 200 and one.json["label"] == "Segment"
    assert api("POST", "/api/v1/custom-fields", json={"label": "X"}).status_code == 405


def test_tags_resource(api, other_company, db):
    created = api("POST", "/api/v1/tags", json={"name": "  Trade   fair "})
    assert created.status_code == 201 and created.json["name"] == "Trade fair"
    assert "name" in api("POST", "/api/v1/tags", json={"name": "trade FAIR"}).json["errors"]
    path = f"/api/v1/tags/{created.json['id']}"
    renamed = api("PATCH", path, json={"name": "Fair 2027"}, **{"If-Match": created.headers["ETag"]})
    assert renamed.json["name"] == "Fair 2027"
    assert [t["name"] for t in api("GET", "/api/v1/tags?q=fair").json["data"]] == ["Fair 2027"]
    person = api("POST", "/api/v1/people", json={"first_name": "Ann", "tags": ["Fair 2027"]}).json
    assert api("DELETE", path, **{"If-Match": renamed.headers["ETag"]}).status_code == 204
    assert api("GET", f"/api/v1/people/{person['id']}").json["tags"] == []
    from crm_platform.contacts.models import Tag

    with tenancy.company_scope(other_company.id):
        db.session.add(Tag(name="Globex only"))
        db.session.commit()
        foreign = db.session.query(Tag).one().id
    assert api("GET", f"/api/v1/tags/{foreign}").status_code == 404
    assert api("GET", "/api/v1/tags").json["data"] == []
