"""Password reset by email: real SMTP, fixed base URL, hashed single-use expiring tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, select, update

from crm_platform.auth.models import OneTimeToken
from crm_platform.models_base import utcnow
from crm_platform.security import token_hash
from crm_platform.testing import TEST_PASSWORD

BASE_URL = "https://crm.example.com"
NEW_PASSWORD = "a fresh and long passphrase"
LINK = re.compile(r"https?://\S+/password/reset/([A-Za-z0-9_\-]+)")


@pytest.fixture(autouse=True)
def public_base_url(app):
    app.config["CRM_BASE_URL"] = BASE_URL


def ask_for_reset(client, email: str, host: str = "evil.example"):
    """Submit the forgot-password form with a forged Host header."""
    headers = {"Host": host}
    html = client.get("/password/forgot", headers=headers).get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    return client.post("/password/forgot", data={"email": email, "csrf_token": token}, headers=headers)


def reset_token(client, smtp_server, email: str) -> str:
    assert ask_for_reset(client, email).status_code == 303
    assert len(smtp_server.messages) == 1
    match = LINK.search(smtp_server.body())
    assert match, smtp_server.body()
    return match.group(1)


def choose_password(client, token: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    path = f"/password/reset/{token}"
    return client.post_form(path, {"password": password, "confirm": password if confirm is None else confirm}, token_from=path)


def test_reset_mail_links_to_the_configured_site(client, user, smtp_server):
    response = ask_for_reset(client, user.email)
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == user.email
    body = smtp_server.body()
    links = LINK.findall(body)
    assert len(links) == 1
    assert f"{BASE_URL}/password/reset/{links[0]}" in body
    assert "evil.example" not in body


def test_token_works_once(app, client, user, smtp_server):
    token = reset_token(client, smtp_server, user.email)
    form = client.get(f"/password/reset/{token}")
    assert form.status_code == 200
    assert 'autocomplete="new-password"' in form.get_data(as_text=True)

    response = choose_password(client, token)
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert app.test_client().login(user.email, NEW_PASSWORD).status_code == 303
    assert app.test_client().login(user.email, TEST_PASSWORD).status_code == 422

    again = client.get(f"/password/reset/{token}")
    assert again.status_code == 404
    assert "no longer works" in again.get_data(as_text=True)
    reuse = client.post(f"/password/reset/{token}", data={"password": "yet another passphrase", "confirm": "yet another passphrase", "csrf_token": client.csrf_token()})
    assert reuse.status_code == 404
    assert app.test_client().login(user.email, NEW_PASSWORD).status_code == 303


def test_expired_token_is_refused(db, client, user, smtp_server):
    token = reset_token(client, smtp_server, user.email)
    db.session.execute(update(OneTimeToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 404
    assert "no longer works" in response.get_data(as_text=True)


def test_unknown_token_is_404(client):
    response = client.get("/password/reset/not-a-real-token")
    assert response.status_code == 404
    assert "no longer works" in response.get_data(as_text=True)


def test_only_the_hash_of_the_token_is_stored(db, client, user, smtp_server):
    token = reset_token(client, smtp_server, user.email)
    row = db.session.scalars(select(OneTimeToken)).one()
    assert row.token_hash == token_hash(token)
    assert row.purpose == "reset"
    meta = MetaData()
    meta.reflect(bind=db.engine)
    with db.engine.connect() as conn:
        for table in meta.sorted_tables:
            for record in conn.execute(table.select()):
                assert token not in repr(tuple(record)), f"raw token stored in {table.name}"


def test_unknown_email_gets_the_same_answer_and_no_mail(app, user, smtp_server):
    known = app.test_client()
    unknown = app.test_client()
    known_response = ask_for_reset(known, user.email)
    unknown_response = ask_for_reset(unknown, "nobody@acme.test")
    assert known_response.status_code == unknown_response.status_code == 303
    assert known_response.headers["Location"] == unknown_response.headers["Location"]
    assert len(smtp_server.messages) == 1  # only the real account got one
    known_page = known.get("/login", headers={"Host": "evil.example"}).get_data(as_text=True)
    unknown_page = unknown.get("/login", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "If an account exists for that address" in known_page
    assert "If an account exists for that address" in unknown_page


def test_bad_email_is_422(client, smtp_server):
    response = ask_for_reset(client, "not an email")
    assert response.status_code == 422
    assert smtp_server.messages == []


@pytest.mark.parametrize(("password", "confirm"), [("short", "short"), ("aaaaaaaaaaaa", "aaaaaaaaaaaa"), (NEW_PASSWORD, "something else entirely"), ("", "")])
def test_weak_or_mismatched_password_is_422(app, client, user, smtp_server, password, confirm):
    token = reset_token(client, smtp_server, user.email)
    response = choose_password(client, token, password, confirm)
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    # The link still works after a rejected attempt.
    assert client.get(f"/password/reset/{token}").status_code == 200
    assert app.test_client().login(user.email).status_code == 303


def test_reset_ends_every_session(app, user, logged_in_client, smtp_server):
    other = app.test_client()
    token = reset_token(other, smtp_server, user.email)
    assert choose_password(other, token).status_code == 303
    response = logged_in_client.get("/")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login")


def test_reset_invalidates_other_outstanding_links(app, client, user, smtp_server):
    first = reset_token(client, smtp_server, user.email)
    smtp_server.messages.clear()
    second = reset_token(client, smtp_server, user.email)
    assert choose_password(client, second).status_code == 303
    assert client.get(f"/password/reset/{first}").status_code == 404


def test_password_change_invalidates_outstanding_links(app, client, user, smtp_server, logged_in_client):
    token = reset_token(client, smtp_server, user.email)
    response = logged_in_client.post_form(
        "/account/password",
        {"current": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        token_from="/account/",
    )
    assert response.status_code == 303
    assert client.get(f"/password/reset/{token}").status_code == 404


def test_deactivated_user_cannot_reset(db, client, user, smtp_server):
    token = reset_token(client, smtp_server, user.email)
    user.is_active_flag = False
    db.session.commit()
    assert client.get(f"/password/reset/{token}").status_code == 404


def test_a_link_is_claimed_only_once(db, user):
    """Two requests racing with one link: the conditional UPDATE lets only one through."""
    from crm_platform.auth.views import _claim_token
    from crm_platform.security import new_token

    _, hashed = new_token()
    row = OneTimeToken(purpose="reset", token_hash=hashed, user_id=user.id, expires_at=utcnow() + timedelta(hours=1))
    db.session.add(row)
    db.session.commit()
    assert _claim_token(row) is True
    assert _claim_token(row) is False
    db.session.commit()
