"""Two-factor authentication: set up from the account page, required at sign-in, no replays."""

from __future__ import annotations

import time

import pyotp
import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.audit.models import AuditEvent
from crm_platform.auth import totp as totp_module
from crm_platform.auth.models import User
from crm_platform.testing import TEST_PASSWORD


class Clock:
    """A frozen clock for the TOTP module only (codes are computed for known time steps)."""

    def __init__(self) -> None:
        self.now = float(int(time.time()) // 30 * 30 + 10)  # 10 s into a step

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock()
    monkeypatch.setattr(totp_module, "time", frozen)
    return frozen


def fresh_user(db, user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def actions(db) -> list[str]:
    with tenancy.unscoped():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def start_setup(client) -> str:
    response = client.post_form("/account/2fa/setup", token_from="/account/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/#two-factor"
    with client.session_transaction() as sess:
        return sess["totp_setup"]["secret"]


def enable(client, clock: Clock) -> str:
    """Turn two-factor on through the account page; returns the secret."""
    secret = start_setup(client)
    code = pyotp.TOTP(secret).at(clock.now)
    response = client.post_form("/account/2fa/confirm", {"code": code}, token_from="/account/")
    assert response.status_code == 303, response.get_data(as_text=True)
    return secret


def send_code(client, code: str):
    return client.post_form("/login/2fa", {"code": code}, token_from="/login/2fa")


def wrong_code(secret: str, clock: Clock) -> str:
    valid = {pyotp.TOTP(secret).at(clock.now + offset) for offset in (-30, 0, 30)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def test_setup_shows_qr_code_and_key(logged_in_client, clock):
    secret = start_setup(logged_in_client)
    html = logged_in_client.get("/account/").get_data(as_text=True)
    assert "<svg" in html and "&lt;svg" not in html  # inline, not escaped
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert grouped in html
    assert 'autocomplete="one-time-code"' in html


def test_enable_with_a_code(app, db, logged_in_client, user, clock):
    secret = enable(logged_in_client, clock)
    stored = fresh_user(db, user.id)
    assert stored.totp_enabled is True
    assert stored.totp_secret == secret
    with logged_in_client.session_transaction() as sess:
        assert "totp_setup" not in sess
    assert "2fa_enabled" in actions(db)
    html = logged_in_client.get("/account/").get_data(as_text=True)
    assert "Turn off two-factor authentication" in html
    assert secret not in html


def test_wrong_code_does_not_enable(db, logged_in_client, user, clock):
    secret = start_setup(logged_in_client)
    for code in (wrong_code(secret, clock), "12ab56", ""):
        response = logged_in_client.post_form("/account/2fa/confirm", {"code": code}, token_from="/account/")
        assert response.status_code == 422
        assert 'class="error"' in response.get_data(as_text=True)
    assert fresh_user(db, user.id).totp_enabled is False
    # The set-up is still pending: the right code still works.
    ok = logged_in_client.post_form("/account/2fa/confirm", {"code": pyotp.TOTP(secret).at(clock.now)}, token_from="/account/")
    assert ok.status_code == 303


def test_confirm_without_setup_changes_nothing(db, logged_in_client, user, clock):
    response = logged_in_client.post_form("/account/2fa/confirm", {"code": "123456"}, token_from="/account/")
    assert response.status_code == 303
    assert fresh_user(db, user.id).totp_enabled is False


def test_cancel_setup(db, logged_in_client, user, clock):
    start_setup(logged_in_client)
    assert logged_in_client.post_form("/account/2fa/cancel", token_from="/account/").status_code == 303
    with logged_in_client.session_transaction() as sess:
        assert "totp_setup" not in sess
    assert "Set up two-factor authentication" in logged_in_client.get("/account/").get_data(as_text=True)


def test_unconfirmed_setup_expires(db, logged_in_client, user, clock):
    secret = start_setup(logged_in_client)
    with logged_in_client.session_transaction() as sess:
        setup = dict(sess["totp_setup"])
        setup["at"] -= 15 * 60 + 1
        sess["totp_setup"] = setup
    assert secret[:4] not in logged_in_client.get("/account/").get_data(as_text=True)
    response = logged_in_client.post_form("/account/2fa/confirm", {"code": pyotp.TOTP(secret).at(clock.now)}, token_from="/account/")
    assert response.status_code == 303
    assert fresh_user(db, user.id).totp_enabled is False


def test_sign_in_requires_the_code(app, db, logged_in_client, user, clock):
    secret = enable(logged_in_client, clock)
    client = app.test_client()
    response = client.login(user.email)
    assert response.status_code == 303
    assert response.headers["Location"] == "/login/2fa"
    assert client.get("/").status_code == 303  # not signed in yet

    assert send_code(client, wrong_code(secret, clock)).status_code == 422
    assert send_code(client, "abc").status_code == 422
    assert client.get("/").status_code == 303

    clock.advance(30)
    response = send_code(client, pyotp.TOTP(secret).at(clock.now))
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert "sign_in_failed" in actions(db)


def test_code_used_to_confirm_cannot_sign_in(app, logged_in_client, user, clock):
    secret = enable(logged_in_client, clock)
    client = app.test_client()
    client.login(user.email)
    assert send_code(client, pyotp.TOTP(secret).at(clock.now)).status_code == 422


def test_a_code_cannot_be_replayed(app, logged_in_client, user, clock):
    secret = enable(logged_in_client, clock)
    clock.advance(30)
    code = pyotp.TOTP(secret).at(clock.now)

    first = app.test_client()
    first.login(user.email)
    assert send_code(first, code).status_code == 303

    second = app.test_client()
    second.login(user.email)
    replayed = send_code(second, code)
    assert replayed.status_code == 422
    assert second.get("/").status_code == 303
    # An older code (one step back, still inside the window) is refused too.
    assert send_code(second, pyotp.TOTP(secret).at(clock.now - 30)).status_code == 422


def test_pending_sign_in_expires_after_five_minutes(app, logged_in_client, user, clock):
    secret = enable(logged_in_client, clock)
    client = app.test_client()
    client.login(user.email)
    with client.session_transaction() as sess:
        pending = dict(sess["pending_2fa"])
        pending["at"] -= 301
        sess["pending_2fa"] = pending
    clock.advance(30)
    response = send_code_raw(client, pyotp.TOTP(secret).at(clock.now))
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 303
    with client.session_transaction() as sess:
        assert "pending_2fa" not in sess


def send_code_raw(client, code: str):
    """Post a code without visiting the 2FA page first (its GET would end the expired step)."""
    return client.post("/login/2fa", data={"code": code, "csrf_token": client.csrf_token("/login")})


def test_next_survives_the_second_step(app, logged_in_client, user, clock):
    secret = enable(logged_in_client, clock)
    client = app.test_client()
    response = client.post_form("/login?next=/account/", {"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/login/2fa"
    clock.advance(30)
    response = send_code(client, pyotp.TOTP(secret).at(clock.now))
    assert response.headers["Location"] == "/account/"


def test_second_step_page_without_password_step_redirects(client):
    response = client.get("/login/2fa")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"


def test_disable_requires_the_password(app, db, logged_in_client, user, clock):
    enable(logged_in_client, clock)
    for password in ("not my password", ""):
        response = logged_in_client.post_form("/account/2fa/disable", {"current": password}, token_from="/account/")
        assert response.status_code == 422
        assert 'id="disable_current"' in response.get_data(as_text=True)
    assert fresh_user(db, user.id).totp_enabled is True

    response = logged_in_client.post_form("/account/2fa/disable", {"current": TEST_PASSWORD}, token_from="/account/")
    assert response.status_code == 303
    stored = fresh_user(db, user.id)
    assert stored.totp_enabled is False and stored.totp_secret is None
    assert "2fa_disabled" in actions(db)
    # Signing in no longer asks for a code.
    assert app.test_client().login(user.email).headers["Location"] == "/"


def test_setup_when_already_enabled_keeps_the_secret(db, logged_in_client, user, clock):
    secret = enable(logged_in_client, clock)
    response = logged_in_client.post_form("/account/2fa/setup", token_from="/account/")
    assert response.status_code == 303
    assert fresh_user(db, user.id).totp_secret == secret
    with logged_in_client.session_transaction() as sess:
        assert "totp_setup" not in sess


# The TOTP helpers themselves --------------------------------------------------------


def test_check_code_window_and_replay(clock):
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now_step = int(clock.now // 30)
    assert totp_module.check_code(secret, totp.at(clock.now)) == now_step
    assert totp_module.check_code(secret, totp.at(clock.now - 30)) == now_step - 1
    assert totp_module.check_code(secret, totp.at(clock.now + 30)) == now_step + 1
    assert totp_module.check_code(secret, totp.at(clock.now - 60)) is None
    assert totp_module.check_code(secret, totp.at(clock.now), last_step=now_step) is None
    code = totp.at(clock.now)
    assert totp_module.check_code(secret, f"{code[:3]} {code[3:]}") == now_step
    assert totp_module.check_code(secret, "12345") is None
    assert totp_module.check_code(secret, "") is None


def test_consume_refuses_a_step_claimed_meanwhile(db, user, clock):
    """Two sign-ins racing with one code: the conditional UPDATE lets only one through."""
    from sqlalchemy import update

    secret = pyotp.random_base32()
    user.totp_secret, user.totp_enabled = secret, True
    db.session.commit()
    assert user.totp_last_step is None  # this request's (now stale) view
    step = int(clock.now // 30)
    db.session.execute(update(User).values(totp_last_step=step).execution_options(synchronize_session=False))
    assert totp_module.verify_and_consume(user, pyotp.TOTP(secret).at(clock.now)) is False
    assert fresh_user(db, user.id).totp_last_step == step
