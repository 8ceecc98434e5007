"""The sales plugin's ``deals`` API resource (``crm_api_resources``)."""

from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.contacts.models import Activity
from crm_platform.plugins.runtime import set_enabled
from crm_platform.testing import bearer, make_api_token, make_user


def _api(client, secret):
    def call(method, path, json=None, **headers):
        return client.open(path, method=method, json=json, headers=bearer(secret, **headers))

    return call


def test_deals_are_listed_newest_first_in_keyset_pages(client, sales, company, user):
    ids = [sales.deal(f"Deal {n}") for n in range(5)]
    api = _api(client, make_api_token(company, user, scope="read"))
    seen, cursor = [], None
    while True:
        body = api("GET", "/api/v1/deals?limit=2" + (f"&cursor={cursor}" if cursor else "")).json
        seen += [d["id"] for d in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)
    deal = api("GET", f"/api/v1/deals/{ids[0]}").json
    assert deal["title"] == "Deal 0" and deal["value"] == "1000.00" and deal["state"] == "open"


def test_deal_filters(client, sales, company, user, contacts):
    _person, org = contacts
    first = sales.deal("Rockets", stage=0, organization_id=org)
    second = sales.deal("Boosters", stage=2)
    sales.deal("Fuel", stage=2, state="won")
    api = _api(client, make_api_token(company, user))
    ids = lambda query: [d["id"] for d in api("GET", "/api/v1/deals?" + query).json["data"]]  # noqa: E731
    assert ids(f"stage_id={sales.stage_ids[2]}&state=open") == [second]
    assert ids(f"organization_id={org}") == [first]
    assert ids("q=rock") == [first]
    assert ids(f"pipeline_id={sales.pipeline_id}&owner_id={user.id}&state=open") == [second, first]
    assert "state" in api("GET", "/api/v1/deals?state=pending").json["errors"]


def test_create_and_update_with_if_match(client, sales, company, user, db):
    api = _api(client, make_api_token(company, user))
    created = api("POST", "/api/v1/deals", json={"title": "Rocket order", "stage_id": sales.stage_ids[0], "value": "2500.50"})
    assert created.status_code == 201
    deal = created.json
    assert deal["pipeline_id"] == sales.pipeline_id and deal["value"] == "2500.50" and deal["currency"] == "EUR"
    path = f"/api/v1/deals/{deal['id']}"
    assert api("PATCH", path, json={"title": "Bigger order"}).status_code == 428
    assert api("PATCH", path, json={"title": "Bigger order"}, **{"If-Match": '"old"'}).status_code == 412
    moved = api("PATCH", path, json={"stage_id": sales.stage_ids[1], "value": 3000}, **{"If-Match": created.headers["ETag"]})
    assert moved.status_code == 200, moved.json
    assert moved.json["stage_id"] == sales.stage_ids[1] and moved.json["value"] == "3000.00"
    lost = api("PATCH", path, json={"state": "lost"}, **{"If-Match": moved.headers["ETag"]})
    assert lost.status_code == 422 and "lost_reason" in lost.json["errors"]
    won = api("PATCH", path, json={"state": "won"}, **{"If-Match": moved.headers["ETag"]})
    assert won.json["state"] == "won" and won.json["closed_at"]
    with tenancy.company_scope(company.id):
        kinds = set(db.session.scalars(select(Activity.kind)))
    assert {"deal_stage_changed", "deal_won"} <= kinds  # the same timeline entries as the board writes


def test_invalid_deals_get_an_error_per_field(client, sales, company, user, other_company):
    api = _api(client, make_api_token(company, user))
    response = api("POST", "/api/v1/deals", json={"value": "-5", "currency": "XXX", "stage_id": "first"})
    assert response.status_code == 422
    assert {"title", "value", "currency", "stage_id"} <= set(response.json["errors"])
    assert "value" in api("POST", "/api/v1/deals", json={"title": "A", "stage_id": sales.stage_ids[0], "value": "1.234"}).json["errors"]
    from crm_sales.services import pipelines

    with tenancy.company_scope(other_company.id):  # Globex got its own default pipeline when created
        foreign_stage = pipelines()[0].stages[0].id
    answer = api("POST", "/api/v1/deals", json={"title": "A", "stage_id": foreign_stage})
    assert answer.status_code == 422 and "stage_id" in answer.json["errors"]


def test_readonly_role_and_disabled_plugin(client, sales, company, user):
    viewer = make_user(company, "viewer@acme.test", "readonly")
    deal_id = sales.deal()
    readonly = _api(client, make_api_token(company, viewer))
    assert readonly("GET", f"/api/v1/deals/{deal_id}").status_code == 200
    assert readonly("POST", "/api/v1/deals", json={"title": "A", "stage_id": sales.stage_ids[0]}).status_code == 403
    admin = _api(client, make_api_token(company, user))
    set_enabled(company, "sales", False)
    for method, path in (("GET", "/api/v1/deals"), ("GET", f"/api/v1/deals/{deal_id}"), ("POST", "/api/v1/deals")):
        response = admin(method, path, json={"title": "A"})
        assert response.status_code == 404 and response.is_json, (method, path)
    assert admin("GET", "/api/v1/people").status_code == 200  # the core's resources stay
    set_enabled(company, "sales", True)
    assert admin("GET", f"/api/v1/deals/{deal_id}").status_code == 200


def test_deals_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    assert {"get", "patch"} <= set(spec["paths"]["/api/v1/deals/{sales_deal_id}"])
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/deals"])
    assert "Deal" in spec["components"]["schemas"] and "DealCreate" in spec["components"]["schemas"]
