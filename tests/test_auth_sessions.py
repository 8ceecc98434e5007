"""Sign-in sessions: a new one on login, really ended on logout, revocable, safe cookies."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm_platform.auth.models import AuthSession
from crm_platform.config import load_settings
from crm_platform.testing import TEST_PASSWORD, make_user

COOKIE = "crm_session"


def cookie_value(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie is not None else None


def replay(app, value: str):
    """A brand-new client that only has the given session cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, value)
    return other


def assert_signed_out(client) -> None:
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login")
    assert "Welcome back" not in response.get_data(as_text=True)


def session_count(db, user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuthSession).where(AuthSession.user_id == user_id))


def test_sign_in_starts_a_new_session(app, db, client, user):
    client.get("/login")
    before = cookie_value(client)
    assert before  # the sign-in page already has a session (for its CSRF token)
    assert client.login(user.email).status_code == 303
    after = cookie_value(client)
    assert after and after != before

    assert_signed_out(replay(app, before))  # the pre-login cookie never carries the login
    assert replay(app, after).get("/").status_code == 200
    assert session_count(db, user.id) == 1


def test_each_sign_in_is_its_own_session(app, db, user):
    first, second = app.test_client(), app.test_client()
    first.login(user.email)
    second.login(user.email)
    assert session_count(db, user.id) == 2
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 200


def test_logout_ends_the_session_on_the_server(app, db, logged_in_client, user):
    stolen = cookie_value(logged_in_client)
    response = logged_in_client.post_form("/logout", token_from="/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert_signed_out(logged_in_client)
    assert_signed_out(replay(app, stolen))
    assert session_count(db, user.id) == 0


def test_logout_only_ends_this_browser(app, user):
    first, second = app.test_client(), app.test_client()
    first.login(user.email)
    second.login(user.email)
    first.post_form("/logout", token_from="/")
    assert_signed_out(first)
    assert second.get("/").status_code == 200


def test_get_logout_is_not_allowed(logged_in_client):
    response = logged_in_client.get("/logout")
    assert response.status_code == 405
    assert logged_in_client.get("/").status_code == 200  # still signed in


def test_deactivated_user_is_signed_out_everywhere(app, db, logged_in_client, user):
    user.is_active_flag = False
    db.session.commit()
    assert_signed_out(logged_in_client)


def test_password_change_ends_other_sessions(app, db, user):
    here, elsewhere = app.test_client(), app.test_client()
    here.login(user.email)
    elsewhere.login(user.email)
    response = here.post_form(
        "/account/password",
        {"current": TEST_PASSWORD, "password": "a brand new passphrase", "confirm": "a brand new passphrase"},
        token_from="/account/",
    )
    assert response.status_code == 303
    assert_signed_out(elsewhere)
    assert here.get("/").status_code == 200
    assert session_count(db, user.id) == 1


# Unauthenticated requests -----------------------------------------------------


def test_protected_page_redirects_to_sign_in(client):
    response = client.get("/account/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/account/"


def test_htmx_request_without_session_gets_hx_redirect(client):
    response = client.get("/account/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/login"
    assert response.get_data(as_text=True) == ""


def test_json_client_without_session_gets_401(client):
    response = client.get("/account/", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.is_json
    assert response.get_json()["error"]["status"] == 401


# Cookies -----------------------------------------------------------------------


def session_set_cookie(response) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "=")]
    assert headers, "no session cookie set"
    return headers[-1]


def test_session_cookie_is_httponly_and_samesite_lax(client, user):
    header = session_set_cookie(client.get("/login"))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    login_header = session_set_cookie(client.login(user.email))
    assert "HttpOnly" in login_header and "SameSite=Lax" in login_header


def test_secure_flag_when_configured(app, make_app):
    secure_app = make_app(SESSION_COOKIE_SECURE=True)
    with secure_app.app_context():
        response = secure_app.test_client().get("/login")
    header = session_set_cookie(response)
    assert "Secure" in header
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_secure_flag_on_plain_http_test_app(client):
    assert "Secure" not in session_set_cookie(client.get("/login"))


@pytest.mark.parametrize(
    ("base_url", "secure"),
    [("https://crm.example.com", True), ("http://127.0.0.1:5000", False), ("http://localhost:5000", False)],
)
def test_settings_make_cookies_secure_for_https(monkeypatch, tmp_path, base_url, secure):
    monkeypatch.setenv("CRM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CRM_SECRET_KEY", "x" * 40)
    monkeypatch.delenv("CRM_COOKIE_SECURE", raising=False)
    monkeypatch.setenv("CRM_BASE_URL", base_url)
    settings = load_settings()
    assert settings["SESSION_COOKIE_SECURE"] is secure
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


# Managing sessions from the account page -------------------------------------------


def test_account_page_lists_sessions_and_marks_this_one(app, user):
    here, elsewhere = app.test_client(), app.test_client()
    elsewhere.login(user.email)
    here.login(user.email)
    html = here.get("/account/").get_data(as_text=True)
    assert html.count("This browser") == 1
    assert "Sign out all other sessions" in html
    assert html.count("Werkzeug/") >= 2  # the test client's user agent, once per session


def test_sign_out_all_other_sessions(app, db, user):
    here, one, two = app.test_client(), app.test_client(), app.test_client()
    for c in (one, two, here):
        c.login(user.email)
    response = here.post_form("/account/sessions/end-others", token_from="/account/")
    assert response.status_code == 303
    assert_signed_out(one)
    assert_signed_out(two)
    page = here.get("/account/", follow_redirects=False)
    assert page.status_code == 200
    assert session_count(db, user.id) == 1


def test_sign_out_one_other_session(app, db, user):
    here, elsewhere = app.test_client(), app.test_client()
    elsewhere.login(user.email)
    here.login(user.email)
    other_id = db.session.scalars(select(AuthSession.id).where(AuthSession.user_id == user.id).order_by(AuthSession.id)).first()
    response = here.post_form(f"/account/sessions/{other_id}/end", token_from="/account/")
    assert response.status_code == 303
    assert_signed_out(elsewhere)
    assert here.get("/").status_code == 200


def test_cannot_end_someone_elses_session(app, db, company, user):
    mallory = make_user(company, "mallory@acme.test", "admin")
    victim = app.test_client()
    victim.login(user.email)
    attacker = app.test_client()
    attacker.login(mallory.email)
    victim_session = db.session.scalars(select(AuthSession.id).where(AuthSession.user_id == user.id)).one()
    response = attacker.post_form(f"/account/sessions/{victim_session}/end", token_from="/account/")
    assert response.status_code == 404
    assert victim.get("/").status_code == 200


def test_ending_the_current_session_from_the_list_is_refused(app, db, logged_in_client, user):
    own = db.session.scalars(select(AuthSession.id).where(AuthSession.user_id == user.id)).one()
    response = logged_in_client.post_form(f"/account/sessions/{own}/end", token_from="/account/")
    assert response.status_code == 404
    assert logged_in_client.get("/").status_code == 200


def test_the_cookie_is_reissued_for_activity_not_on_every_response(app, db, logged_in_client, user):
    from datetime import timedelta

    from sqlalchemy import update

    from crm_platform.auth.sessions import TOUCH_INTERVAL
    from crm_platform.models_base import utcnow

    logged_in_client.get("/")  # the first page may settle the session (the chosen company)
    quiet = logged_in_client.get("/people")
    assert quiet.status_code == 200 and not quiet.headers.getlist("Set-Cookie")  # nothing to sign again
    db.session.execute(update(AuthSession).where(AuthSession.user_id == user.id)
                       .values(last_seen_at=utcnow() - TOUCH_INTERVAL - timedelta(seconds=1)))
    db.session.commit()
    touched = logged_in_client.get("/people")
    cookies = touched.headers.getlist("Set-Cookie")
    assert touched.status_code == 200 and any(c.startswith(f"{COOKIE}=") and "Expires=" in c for c in cookies)
    assert logged_in_client.get("/people").status_code == 200  # the re-issued cookie still signs in
