"""Personal API tokens: created in the UI, shown once, stored hashed, revocable; how they authenticate."""

import hashlib

from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.api.models import ApiToken
from crm_platform.audit.models import AuditEvent
from crm_platform.testing import bearer, make_api_token, make_user


def _tokens(db, company):
    db.session.expire_all()
    with tenancy.company_scope(company.id):
        return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id)))


def _audit(db, company):
    with tenancy.company_scope(company.id):
        return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_account_page_links_to_tokens(logged_in_client):
    html = logged_in_client.get("/account/").get_data(as_text=True)
    assert 'href="/account/api-tokens/"' in html


def test_created_token_is_shown_once_and_stored_as_hash(logged_in_client, db, company):
    response = logged_in_client.post_form(
        "/account/api-tokens/", {"name": "Web shop", "scope": "write"}, token_from="/account/api-tokens/"
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    [row] = _tokens(db, company)
    secret = html.split('<code class="api-secret" translate="no">')[1].split("</code>")[0]
    assert secret.startswith("crm_") and len(secret) > 40
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (row.token_hash, row.prefix) and secret.startswith(row.prefix)
    assert row.scope == "write" and row.name == "Web shop"
    again = logged_in_client.get("/account/api-tokens/").get_data(as_text=True)
    assert secret not in again and "Web shop" in again and row.prefix in again
    assert "api_token_created" in _audit(db, company)
    assert logged_in_client.get("/api/v1/people", headers=bearer(secret)).status_code == 200


def test_token_form_errors_are_422(logged_in_client, db, company):
    response = logged_in_client.post_form("/account/api-tokens/", {"name": "", "scope": "root"}, token_from="/account/api-tokens/")
    assert response.status_code == 422
    assert "Give the token a name." in response.get_data(as_text=True)
    assert _tokens(db, company) == []


def test_revoked_token_is_refused_and_audited(logged_in_client, db, company, user):
    secret = make_api_token(company, user)
    assert logged_in_client.get("/api/v1/people", headers=bearer(secret)).status_code == 200
    [row] = _tokens(db, company)
    response = logged_in_client.post_form(f"/account/api-tokens/{row.id}/revoke", token_from="/account/api-tokens/")
    assert response.status_code == 303
    assert _tokens(db, company)[0].revoked_at is not None
    answer = logged_in_client.get("/api/v1/people", headers=bearer(secret))
    assert answer.status_code == 401 and answer.is_json
    assert "Bearer" in answer.headers["WWW-Authenticate"]
    assert "api_token_revoked" in _audit(db, company)
    assert "Revoked" in logged_in_client.get("/account/api-tokens/").get_data(as_text=True)


def test_last_used_time_is_shown(logged_in_client, db, company, user):
    secret = make_api_token(company, user, name="Accounting")
    assert "Never" in logged_in_client.get("/account/api-tokens/").get_data(as_text=True)
    logged_in_client.get("/api/v1/users", headers=bearer(secret))
    [row] = _tokens(db, company)
    assert row.last_used_at is not None
    html = logged_in_client.get("/account/api-tokens/").get_data(as_text=True)
    assert "Never" not in html and row.last_used_at.strftime("%Y-%m-%d %H:%M") in html


def test_nobody_revokes_another_users_token(app, db, company, user):
    other = make_user(company, "bob@acme.test", "admin")
    make_api_token(company, other)
    [row] = _tokens(db, company)
    client = app.test_client()
    client.login(user.email)
    assert client.post_form(f"/account/api-tokens/{row.id}/revoke", token_from="/account/api-tokens/").status_code == 404
    assert _tokens(db, company)[0].revoked_at is None


def test_missing_unknown_and_malformed_tokens_are_401(client, company, user):
    make_api_token(company, user)
    for headers in ({}, {"Authorization": "Bearer crm_not-a-real-token"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer "}, {"Authorization": "Bearer " + "x" * 5000}):
        response = client.get("/api/v1/people", headers=headers)
        assert response.status_code == 401, headers
        assert response.is_json and response.json["error"]["status"] == 401


def test_a_session_cookie_never_authenticates_the_api(logged_in_client):
    assert logged_in_client.get("/api/v1/people").status_code == 401
    response = logged_in_client.post("/api/v1/people", json={"first_name": "Eve"})
    assert response.status_code == 401  # not a CSRF 400, not a created person
    assert response.is_json


def test_read_scope_cannot_write(client, company, user):
    secret = make_api_token(company, user, scope="read")
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 200
    response = client.post("/api/v1/people", json={"first_name": "Ann"}, headers=bearer(secret))
    assert response.status_code == 403
    assert "read-only" in response.json["error"]["message"]


def test_readonly_member_cannot_write_even_with_a_write_token(client, db, company):
    viewer = make_user(company, "viewer@acme.test", "readonly")
    secret = make_api_token(company, viewer, scope="write")
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 200
    assert client.post("/api/v1/people", json={"first_name": "Ann"}, headers=bearer(secret)).status_code == 403
    assert client.post("/api/v1/organizations", json={"name": "X"}, headers=bearer(secret)).status_code == 403


def test_readonly_member_may_create_a_token_in_the_ui(app, company):
    viewer = make_user(company, "viewer@acme.test", "readonly")
    client = app.test_client()
    client.login(viewer.email)
    response = client.post_form("/account/api-tokens/", {"name": "Reports", "scope": "read"}, token_from="/account/api-tokens/")
    assert response.status_code == 201


def test_token_stops_working_when_membership_ends(client, db, company, user):
    from crm_platform.companies.models import Membership

    member = make_user(company, "temp@acme.test", "member")
    secret = make_api_token(company, member)
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 200
    with tenancy.company_scope(company.id):
        db.session.delete(db.session.scalars(select(Membership).where(Membership.user_id == member.id)).one())
        db.session.commit()
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 401


def test_rate_limit_per_token_is_429_json(make_app):
    from crm_platform.companies.service import create_company
    from crm_platform.extensions import db, limiter
    from crm_platform.testing import empty_tables

    app = make_app(RATELIMIT_ENABLED=True, CRM_API_RATE_LIMIT="3 per minute")
    with app.app_context():
        try:
            limiter.reset()
            company = create_company("Acme", slug="acme")
            user = make_user(company, "ada@acme.test", "admin")
            first, second = make_api_token(company, user), make_api_token(company, user)
            client = app.test_client()
            statuses = [client.get("/api/v1/users", headers=bearer(first)).status_code for _ in range(4)]
            assert statuses == [200, 200, 200, 429]
            limited = client.get("/api/v1/users", headers=bearer(first))
            assert limited.status_code == 429 and limited.is_json
            assert int(limited.headers["Retry-After"]) >= 1
            assert limited.headers["X-RateLimit-Remaining"] == "0"
            ok = client.get("/api/v1/users", headers=bearer(second))  # another token has its own budget
            assert ok.status_code == 200 and ok.headers["X-RateLimit-Limit"] == "3"
        finally:
            limiter.reset()
            empty_tables(db)
