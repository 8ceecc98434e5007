"""The account page: profile, password change, read-only members, no state change on GET."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.audit.models import AuditEvent
from crm_platform.auth.models import User
from crm_platform.security import verify_password
from crm_platform.testing import TEST_PASSWORD, make_user

NEW_PASSWORD = "a fresh and long passphrase"


def fresh_user(db, user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def change_password(client, current: str = TEST_PASSWORD, password: str = NEW_PASSWORD, confirm: str | None = None):
    data = {"current": current, "password": password, "confirm": password if confirm is None else confirm}
    return client.post_form("/account/password", data, token_from="/account/")


def test_account_page_needs_sign_in(client):
    response = client.get("/account/")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login")


def test_account_page_shows_every_section(logged_in_client):
    response = logged_in_client.get("/account/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for section in ('id="profile"', 'id="password"', 'id="two-factor"', 'id="sessions"'):
        assert section in html
    assert 'value="Ada Admin"' in html
    assert 'autocomplete="new-password"' in html and 'autocomplete="current-password"' in html
    assert html.count('name="csrf_token"') >= 4


def test_update_name(db, logged_in_client, user):
    response = logged_in_client.post_form("/account/profile", {"name": "  Ada Lovelace "}, token_from="/account/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/#profile"
    assert fresh_user(db, user.id).name == "Ada Lovelace"
    page = logged_in_client.get("/account/").get_data(as_text=True)
    assert "Your name was saved." in page


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_bad_name_is_422(db, logged_in_client, user, name):
    response = logged_in_client.post_form("/account/profile", {"name": name}, token_from="/account/")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error"' in html and 'aria-invalid="true"' in html
    assert fresh_user(db, user.id).name == "Ada Admin"


def test_change_password(app, db, company, logged_in_client, user):
    response = change_password(logged_in_client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/#password"
    assert verify_password(fresh_user(db, user.id).password_hash, NEW_PASSWORD)
    assert logged_in_client.get("/").status_code == 200  # this session goes on
    assert app.test_client().login(user.email, TEST_PASSWORD).status_code == 422
    assert app.test_client().login(user.email, NEW_PASSWORD).status_code == 303
    with tenancy.unscoped():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "password_changed")).all()
    assert [(e.actor_id, e.company_id) for e in events] == [(user.id, company.id)]


@pytest.mark.parametrize(
    ("current", "password", "confirm", "message"),
    [
        ("wrong password!!", NEW_PASSWORD, NEW_PASSWORD, "Your current password is not right."),
        ("", NEW_PASSWORD, NEW_PASSWORD, "This field is required."),
        (TEST_PASSWORD, "short", "short", "Use at least 10 characters."),
        (TEST_PASSWORD, "aaaaaaaaaaaaaa", "aaaaaaaaaaaaaa", "Use a less predictable password."),
        (TEST_PASSWORD, NEW_PASSWORD, "something else entirely", "The passwords differ."),
    ],
)
def test_bad_password_change_is_422(app, db, logged_in_client, user, current, password, confirm, message):
    other = app.test_client()
    other.login(user.email)
    response = change_password(logged_in_client, current, password, confirm)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert verify_password(fresh_user(db, user.id).password_hash, TEST_PASSWORD)
    assert other.get("/").status_code == 200  # nothing changed, nobody signed out


def test_multiple_companies_each_get_the_audit_event(db, company, other_company, logged_in_client, user):
    from crm_platform.companies.service import add_member

    add_member(other_company, user, "member")
    db.session.commit()
    assert change_password(logged_in_client).status_code == 303
    with tenancy.unscoped():
        companies = set(db.session.scalars(select(AuditEvent.company_id).where(AuditEvent.action == "password_changed")))
    assert companies == {company.id, other_company.id}


def test_read_only_member_manages_own_account(app, db, company):
    reader = make_user(company, "reader@acme.test", "readonly", name="Rita Reader")
    client = app.test_client()
    assert client.login(reader.email).status_code == 303
    assert client.post_form("/account/profile", {"name": "Rita R."}, token_from="/account/").status_code == 303
    assert change_password(client).status_code == 303
    assert client.post_form("/account/2fa/setup", token_from="/account/").status_code == 303
    assert client.post_form("/account/sessions/end-others", token_from="/account/").status_code == 303
    assert client.post_form("/logout", token_from="/").status_code == 303
    assert fresh_user(db, reader.id).name == "Rita R."


def test_user_without_company_can_use_the_account_page(app, db):
    loner = make_user(None, "loner@example.org", name="Lone User")
    client = app.test_client()
    assert client.login(loner.email).status_code == 303
    assert client.get("/account/").status_code == 200
    assert change_password(client).status_code == 303


@pytest.mark.parametrize(
    "path",
    [
        "/account/profile",
        "/account/password",
        "/account/2fa/setup",
        "/account/2fa/confirm",
        "/account/2fa/cancel",
        "/account/2fa/disable",
        "/account/sessions/end-others",
        "/account/sessions/1/end",
    ],
)
def test_no_state_change_on_get(logged_in_client, path):
    assert logged_in_client.get(path).status_code == 405


@pytest.mark.parametrize("path", ["/account/profile", "/account/password", "/account/2fa/setup", "/account/sessions/end-others"])
def test_account_actions_need_csrf_token(db, logged_in_client, user, path):
    response = logged_in_client.post(path, data={"name": "Eve", "current": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert fresh_user(db, user.id).name == "Ada Admin"


def test_account_actions_need_sign_in(client):
    response = client.post_form("/account/password", {"current": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login")


def test_password_check_is_rate_limited_per_account(app, make_app, company, user):
    limited = make_app(RATELIMIT_ENABLED=True, CRM_LOGIN_RATE_LIMIT="3 per minute")
    with limited.app_context():
        client = limited.test_client()
        assert client.login(user.email).status_code == 303
        for _ in range(3):
            assert change_password(client, current="wrong password!!").status_code == 422
        assert change_password(client).status_code == 429
