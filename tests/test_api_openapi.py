"""The OpenAPI 3.1 document is generated from the code, valid, and rendered as a docs page."""

import json
import re

from openapi_spec_validator import validate

from crm_platform.testing import bearer, make_api_token


def test_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    spec = response.json
    assert spec["openapi"].startswith("3.1")
    validate(spec)  # openapi-spec-validator picks the 3.1 schema from the version field


def test_document_covers_every_route_of_the_api(app, client):
    spec = client.get("/api/v1/openapi.json").json
    documented = {(method.upper(), path) for path, item in spec["paths"].items() for method in item if method != "parameters"}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint not in ("api.openapi", "api.docs", "api.static"):
            path = re.sub(r"<int:(\w+)>", r"{\1}", rule.rule)
            routed |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented
    assert {"/api/v1/people", "/api/v1/organizations", "/api/v1/activities", "/api/v1/users", "/api/v1/deals"} <= set(spec["paths"])


def test_document_describes_auth_pagination_and_versions(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer", "description": "A personal API token."}
    assert spec["security"] == [{"bearerAuth": []}]
    people = spec["paths"]["/api/v1/people"]["get"]
    names = {p["name"] for p in people["parameters"]}
    assert {"cursor", "limit", "q", "lifecycle_stage", "owner_id", "organization_id", "updated_since"} <= names
    patch = spec["paths"]["/api/v1/people/{person_id}"]["patch"]
    assert {"412", "422", "428"} <= set(patch["responses"])
    assert any(p["name"] == "If-Match" and p["required"] for p in patch["parameters"])
    person = spec["components"]["schemas"]["Person"]
    assert person["properties"]["lifecycle_stage"]["enum"] == ["lead", "prospect", "customer", "churned"]
    assert spec["components"]["schemas"]["PersonCreate"]["additionalProperties"] is False


def test_responses_match_their_schemas(client, company, user):
    """A real answer validates against the document's schema (the JSON Schema 2020-12 of pydantic)."""
    from jsonschema import Draft202012Validator

    spec = client.get("/api/v1/openapi.json").json
    secret = make_api_token(company, user)
    created = client.post("/api/v1/people", json={"first_name": "Ann"}, headers=bearer(secret)).json
    page = client.get("/api/v1/people", headers=bearer(secret)).json
    schema = dict(spec["components"]["schemas"]["PersonList"], **{"$defs": spec["components"]["schemas"]})
    schema = json.loads(json.dumps(schema).replace("#/components/schemas/", "#/$defs/"))
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(page)
    assert page["data"][0]["id"] == created["id"]


def test_docs_page_renders_from_the_spec(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("CRM API reference", "/api/v1/people/{person_id}", "If-Match", "Authorization: Bearer", "PersonCreate", "Deals"):
        assert text in html, text
    assert "<script>" not in html and " style=" not in html and " onclick=" not in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "cdn" not in html.lower()
