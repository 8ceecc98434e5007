"""Signing in: success, one answer for every failure, argon2 cost, rate limits, audit."""

from __future__ import annotations

import re

import argon2
import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.audit.models import AuditEvent
from crm_platform.testing import TEST_PASSWORD, make_user

META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def normalised(html: str, *emails: str) -> str:
    """The page without its CSRF token (it differs per session) and the submitted email."""
    match = META_TOKEN.search(html)
    assert match, "page has no CSRF token"
    html = html.replace(match.group(1), "CSRF")
    for email in emails:
        html = html.replace(email, "EMAIL")
    return html


@pytest.fixture()
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count every argon2 verification, whichever code path runs it."""
    calls: list[str] = []
    original = argon2.PasswordHasher.verify

    def spy(self, hash, password):  # noqa: A002 - argon2's own parameter name
        calls.append(hash)
        return original(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", spy)
    return calls


def audit_actions(db, user_id: int) -> list[str]:
    with tenancy.unscoped():
        return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user_id).order_by(AuditEvent.id)))


def test_sign_in_redirects_to_dashboard(client, user):
    response = client.login(user.email)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Welcome back, Ada Admin" in page.get_data(as_text=True)


def test_email_is_matched_case_insensitively(client, user):
    response = client.login("  ADA@Acme.TEST ")
    assert response.status_code == 303


def test_sign_in_page_renders(client):
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html


def test_wrong_password_and_unknown_account_get_the_same_answer_and_cost(app, user, argon2_calls):
    wrong = app.test_client().login(user.email, "not the right password")
    assert len(argon2_calls) == 1
    argon2_calls.clear()
    unknown = app.test_client().login("nobody@acme.test", "not the right password")
    assert len(argon2_calls) == 1

    assert wrong.status_code == unknown.status_code == 422
    wrong_html = normalised(wrong.get_data(as_text=True), user.email)
    unknown_html = normalised(unknown.get_data(as_text=True), "nobody@acme.test")
    assert wrong_html == unknown_html
    assert "The email or password is not right." in wrong_html


def test_successful_sign_in_verifies_once(client, user, argon2_calls):
    assert client.login(user.email).status_code == 303
    assert len(argon2_calls) == 1


def test_account_without_password_costs_one_verification(app, company, argon2_calls):
    invited = make_user(company, "invited@acme.test", "member")
    invited.password_hash = None
    from crm_platform.extensions import db

    db.session.commit()
    response = app.test_client().login("invited@acme.test", TEST_PASSWORD)
    assert response.status_code == 422
    assert len(argon2_calls) == 1


def test_deactivated_user_cannot_sign_in(app, db, company):
    make_user(company, "gone@acme.test", "member", is_active_flag=False)
    client = app.test_client()
    response = client.login("gone@acme.test")
    assert response.status_code == 422
    assert "The email or password is not right." in response.get_data(as_text=True)
    assert client.get("/").status_code == 303


@pytest.mark.parametrize(
    "data",
    [{}, {"email": "ada@acme.test"}, {"password": TEST_PASSWORD}, {"email": "a" * 300 + "@x.test", "password": "x"}],
)
def test_incomplete_sign_in_form_is_422(client, user, data):
    response = client.post_form("/login", data)
    assert response.status_code == 422
    assert "<form" in response.get_data(as_text=True)


def test_sign_in_and_failures_are_audited(app, db, user):
    app.test_client().login(user.email, "wrong password!")
    app.test_client().login(user.email)
    assert audit_actions(db, user.id) == ["sign_in_failed", "sign_in"]


# Rate limiting ---------------------------------------------------------------


@pytest.fixture()
def limited_app(app, make_app):
    """An app with the login limit switched on (3 per minute); ``app`` empties the tables after."""
    limited = make_app(RATELIMIT_ENABLED=True, CRM_LOGIN_RATE_LIMIT="3 per minute")
    with limited.app_context():
        yield limited


@pytest.mark.parametrize("email", ["ada@acme.test", "nobody@acme.test"])
def test_fourth_attempt_in_a_minute_is_refused(limited_app, user, email):
    client = limited_app.test_client()
    for _ in range(3):
        assert client.login(email, "wrong password!").status_code == 422
    response = client.login(email, TEST_PASSWORD)
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Too many attempts" in html
    assert "<html" in html  # the friendly page, not a bare error


def test_limit_follows_the_email_across_addresses(limited_app, user):
    client = limited_app.test_client()

    def attempt(address: str, password: str):
        data = {"email": user.email, "password": password}
        return client.post_form("/login", data, environ_base={"REMOTE_ADDR": address})

    for n in range(3):
        assert attempt(f"10.0.0.{n}", "wrong password!").status_code == 422
    assert attempt("10.0.0.99", TEST_PASSWORD).status_code == 429


def test_limit_follows_the_address_across_emails(limited_app, user):
    client = limited_app.test_client()
    for n in range(3):
        assert client.login(f"nobody{n}@acme.test", "wrong password!").status_code == 422
    assert client.login(user.email).status_code == 429
    # Another address, and another email, is not affected.
    fresh = client.post_form(
        "/login", {"email": user.email, "password": TEST_PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.0.7"}
    )
    assert fresh.status_code == 303


def test_limit_does_not_count_page_views(limited_app, user):
    client = limited_app.test_client()
    for _ in range(6):
        assert client.get("/login").status_code == 200
    assert client.login(user.email).status_code == 303
