"""The core resources through the API: tenancy, keyset pages, filters, 422 per field, ETag/If-Match."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from crm_platform import tenancy
from crm_platform.contacts.models import Activity, Organization, Person
from crm_platform.testing import bearer, make_api_token, make_user


def _add(db, company, model, **fields):
    with tenancy.company_scope(company.id):
        row = model(**fields)
        db.session.add(row)
        db.session.commit()
        return row.id


def test_other_companies_rows_are_invisible_and_404(api, db, company, other_company):
    mine = _add(db, company, Person, first_name="Ann", last_name="Mine")
    theirs = _add(db, other_company, Person, first_name="Bob", last_name="Theirs")
    their_org = _add(db, other_company, Organization, name="Globex Corp")
    names = [p["last_name"] for p in api("GET", "/api/v1/people").json["data"]]
    assert names == ["Mine"]
    assert api("GET", f"/api/v1/people/{mine}").status_code == 200
    for method in ("GET", "PATCH", "DELETE"):
        response = api(method, f"/api/v1/people/{theirs}", json={"first_name": "X"}, **{"If-Match": "*"})
        assert response.status_code == 404 and response.is_json
    assert api("GET", "/api/v1/organizations").json["data"] == []
    # linking to another company's organization is a field error, not a leak
    response = api("POST", "/api/v1/people", json={"first_name": "C", "organization_id": their_org})
    assert response.status_code == 422 and "organization_id" in response.json["errors"]


def test_keyset_pages_have_no_duplicates_or_gaps(api, db, company):
    for index in range(11):
        _add(db, company, Person, first_name=f"P{index}", last_name=["Smith", "Adams", "Jones"][index % 3])
    seen, cursor, pages = [], None, 0
    while True:
        path = "/api/v1/people?limit=4" + (f"&cursor={cursor}" if cursor else "")
        body = api("GET", path).json
        seen += [(p["last_name"], p["first_name"], p["id"]) for p in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 11 and len(set(seen)) == 11
    assert seen == sorted(seen)


def test_list_parameters_are_validated(api):
    assert api("GET", "/api/v1/people?limit=0").status_code == 422
    assert "limit" in api("GET", "/api/v1/people?limit=500").json["errors"]
    assert "cursor" in api("GET", "/api/v1/people?cursor=garbage").json["errors"]
    assert "lifecycle_stage" in api("GET", "/api/v1/people?lifecycle_stage=vip").json["errors"]
    assert "updated_since" in api("GET", "/api/v1/people?updated_since=yesterday").json["errors"]
    assert "owner_id" in api("GET", "/api/v1/people?owner_id=abc").json["errors"]


def test_people_filters_and_search(api, db, company, user):
    org = _add(db, company, Organization, name="Initech")
    a = _add(db, company, Person, first_name="Peter", last_name="Gibbons", lifecycle_stage="customer", organization_id=org, owner_id=user.id)
    b = _add(db, company, Person, first_name="Milton", last_name="Waddams", email="milton@stapler.example")
    _add(db, company, Person, first_name="Bill", last_name="Lumbergh", lifecycle_stage="customer")
    ids = lambda query: [p["id"] for p in api("GET", "/api/v1/people?" + query).json["data"]]  # noqa: E731
    assert ids("lifecycle_stage=customer&organization_id=%d" % org) == [a]
    assert ids(f"owner_id={user.id}") == [a]
    assert ids("q=stapler") == [b]
    assert ids("q=initech") == [a]  # the people list's search: organization names match too
    with tenancy.company_scope(company.id):
        db.session.execute(update(Person).where(Person.id != b).values(updated_at=datetime.now(UTC) - timedelta(days=3)))
        db.session.commit()
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(f"updated_since={since}") == [b]


def test_create_validation_errors_are_per_field(api, db, company):
    response = api("POST", "/api/v1/people", json={"first_name": 7, "lifecycle_stage": "vip", "email": "nope", "colour": "red"})
    assert response.status_code == 422
    errors = response.json["errors"]
    assert set(errors) == {"first_name", "lifecycle_stage", "email", "colour"}
    assert all(isinstance(messages, list) and messages for messages in errors.values())
    assert "name" in api("POST", "/api/v1/organizations", json={"website": "x.test"}).json["errors"]  # missing required
    assert "website" in api("POST", "/api/v1/organizations", json={"name": "A", "website": "javascript:alert(1)"}).json["errors"]
    assert "first_name" in api("POST", "/api/v1/people", json={"email": "a@example.com"}).json["errors"]
    assert "_body" in api("POST", "/api/v1/people", json=[1, 2]).json["errors"]
    assert "first_name" in api("POST", "/api/v1/people", json={"first_name": "a\x00b"}).json["errors"]
    with tenancy.company_scope(company.id):
        assert db.session.scalars(select(Person)).all() == []


def test_non_json_body_is_422(client, company, user):
    secret = make_api_token(company, user)
    response = client.post("/api/v1/people", data="first_name=Ann", headers=bearer(secret, **{"Content-Type": "application/x-www-form-urlencoded"}))
    assert response.status_code == 422 and "_body" in response.json["errors"]


def test_create_read_update_delete_with_etags(api, db, company, user):
    org = _add(db, company, Organization, name="Initech")
    created = api("POST", "/api/v1/people", json={"first_name": " Peter ", "last_name": "Gibbons", "organization_id": org, "owner_id": user.id})
    assert created.status_code == 201
    person = created.json
    assert person["first_name"] == "Peter" and person["organization_id"] == org and person["full_name"] == "Peter Gibbons"
    assert created.headers["Location"].endswith(f"/api/v1/people/{person['id']}")
    path = f"/api/v1/people/{person['id']}"
    read = api("GET", path)
    etag = read.headers["ETag"]
    assert etag == created.headers["ETag"] and read.json == person
    assert api("PATCH", path, json={"job_title": "Engineer"}).status_code == 428
    assert api("PATCH", path, json={"job_title": "Engineer"}, **{"If-Match": '"stale"'}).status_code == 412
    changed = api("PATCH", path, json={"job_title": "Engineer", "organization_id": None}, **{"If-Match": etag})
    assert changed.status_code == 200
    assert changed.json["job_title"] == "Engineer" and changed.json["organization_id"] is None
    assert changed.json["last_name"] == "Gibbons"  # fields not sent stay
    assert changed.headers["ETag"] != etag
    lost = api("PATCH", path, json={"job_title": "Manager"}, **{"If-Match": etag})  # somebody else's old copy
    assert lost.status_code == 412
    assert api("GET", path).json["job_title"] == "Engineer"
    assert api("PATCH", path, json={"lifecycle_stage": "vip"}, **{"If-Match": changed.headers["ETag"]}).status_code == 422
    assert api("PATCH", path, json={"first_name": None}, **{"If-Match": changed.headers["ETag"]}).status_code == 422
    assert api("DELETE", path, **{"If-Match": etag}).status_code == 412
    assert api("DELETE", path, **{"If-Match": changed.headers["ETag"]}).status_code == 204
    assert api("GET", path).status_code == 404


def test_organizations_crud(api):
    created = api("POST", "/api/v1/organizations", json={"name": "Initech", "website": "initech.test"})
    assert created.status_code == 201 and created.json["website"] == "https://initech.test"
    path = f"/api/v1/organizations/{created.json['id']}"
    renamed = api("PATCH", path, json={"name": "Initrode"}, **{"If-Match": created.headers["ETag"]})
    assert renamed.json["name"] == "Initrode"
    assert [o["name"] for o in api("GET", "/api/v1/organizations?q=initr").json["data"]] == ["Initrode"]
    assert api("DELETE", path, **{"If-Match": renamed.headers["ETag"]}).status_code == 204


def test_timeline_entries(api, client, db, company, user):
    person = _add(db, company, Person, first_name="Ann", last_name="Lee")
    first = api("POST", "/api/v1/activities", json={"kind": "call", "body": "Called about the offer", "person_id": person})
    assert first.status_code == 201 and first.json["author_id"] == user.id
    api("POST", "/api/v1/activities", json={"body": "Sent the contract", "person_id": person})
    assert "person_id" in api("POST", "/api/v1/activities", json={"body": "Orphan"}).json["errors"]
    assert "kind" in api("POST", "/api/v1/activities", json={"body": "x", "kind": "fax", "person_id": person}).json["errors"]
    newest_first = [a["body"] for a in api("GET", f"/api/v1/activities?person_id={person}").json["data"]]
    assert newest_first == ["Sent the contract", "Called about the offer"]
    assert [a["kind"] for a in api("GET", "/api/v1/activities?kind=call").json["data"]] == ["call"]
    # a member may not change another user's entry
    member = make_user(company, "mo@acme.test", "member")
    secret = make_api_token(company, member)
    path = f"/api/v1/activities/{first.json['id']}"
    refused = client.delete(path, headers=bearer(secret, **{"If-Match": first.headers["ETag"]}))
    assert refused.status_code == 403
    edited = api("PATCH", path, json={"body": "Called twice"}, **{"If-Match": first.headers["ETag"]})
    assert edited.status_code == 200 and edited.json["body"] == "Called twice"
    with tenancy.company_scope(company.id):
        assert db.session.scalars(select(Activity.body).where(Activity.id == first.json["id"])).one() == "Called twice"


def test_users_are_read_only_and_per_company(api, company, other_company, user):
    outsider = make_user(other_company, "eve@globex.test", "owner")
    colleague = make_user(company, "mo@acme.test", "member", name="Mo")
    listed = api("GET", "/api/v1/users").json["data"]
    assert {u["email"] for u in listed} == {user.email, colleague.email}
    assert api("GET", f"/api/v1/users/{colleague.id}").json == {"id": colleague.id, "name": "Mo", "email": colleague.email, "role": "member"}
    assert api("GET", f"/api/v1/users/{outsider.id}").status_code == 404
    assert [u["role"] for u in api("GET", "/api/v1/users?role=member").json["data"]] == ["member"]
    assert api("POST", "/api/v1/users", json={"email": "x@y.test"}).status_code == 405
    assert api("DELETE", f"/api/v1/users/{colleague.id}").status_code == 405


def test_unknown_api_urls_are_json(api):
    for path in ("/api/v1/nothing", "/api/v1/people/abc", "/api/v1/people/99999999999999999999"):
        response = api("GET", path)
        assert response.status_code == 404 and response.is_json, path


def test_forged_cursors_and_out_of_range_times_are_422(api):
    from crm_platform.contacts.pagination import encode_cursor

    for values in (["a\x00", "b", 1], ["a", "b", 2**70], ["a", 1, 1]):
        assert "cursor" in api("GET", f"/api/v1/people?cursor={encode_cursor(values)}").json["errors"], values
    assert api("GET", "/api/v1/people?updated_since=0001-01-01T00:00:00%2B14:00").status_code == 422
    assert api("GET", "/api/v1/people?updated_since=9999-12-31T23:59:59-14:00").status_code == 422
