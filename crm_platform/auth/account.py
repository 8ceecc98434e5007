"""The signed-in user's own account: profile, password, two-factor, sessions.

One page shows every section; each action is its own POST endpoint that redirects
(303) back to the page on success and re-renders it with the form's errors (422)
on bad input. Read-only members may use all of it: it is their own account.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, session, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select

from crm_platform.auth import totp
from crm_platform.auth.forms import ChangePasswordForm, DisableTotpForm, EnableTotpForm, ProfileForm
from crm_platform.auth.models import AuthSession, User
from crm_platform.auth.sessions import end_other_sessions
from crm_platform.auth.views import invalidate_reset_tokens, record_for_user_companies
from crm_platform.extensions import db, limiter
from crm_platform.models_base import utcnow
from crm_platform.permissions import allow_readonly
from crm_platform.security import hash_password, token_hash, verify_password
from crm_platform.templating import render

bp = Blueprint("account", __name__, url_prefix="/account", template_folder="templates")

#: Session key holding a two-factor secret that was shown but not confirmed yet.
TOTP_SETUP_KEY = "totp_setup"
TOTP_SETUP_SECONDS = 15 * 60


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _password_check_limit() -> str:
    return current_app.config["CRM_LOGIN_RATE_LIMIT"]


def _user_key() -> str:
    """Password and code checks on this page count per account, not per address."""
    return f"account:{getattr(current_user, 'id', '')}"


def _back(anchor: str | None = None) -> Response:
    return redirect(url_for("account.index", _anchor=anchor), code=303)


def pending_totp_secret(user: User) -> str | None:
    """The not-yet-confirmed two-factor secret kept in this browser's session, if still fresh."""
    setup = session.get(TOTP_SETUP_KEY)
    if not isinstance(setup, dict) or setup.get("user_id") != user.id:
        return None
    if utcnow().timestamp() - float(setup.get("at", 0)) > TOTP_SETUP_SECONDS:
        return None
    secret = setup.get("secret")
    return secret if isinstance(secret, str) and secret else None


def _ended_text(count: int) -> str:
    if count == 0:
        return "You were not signed in anywhere else."
    if count == 1:
        return "Your other session was signed out."
    return f"Your {count} other sessions were signed out."


def _group(secret: str) -> str:
    """``JBSWY3DPEHPK3PXP`` → ``JBSW Y3DP EHPK 3PXP`` (easier to type; apps ignore spaces)."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def user_sessions(user: User) -> list[AuthSession]:
    """Every live sign-in session of ``user``, most recently used first."""
    stmt = (
        select(AuthSession)
        .where(AuthSession.user_id == user.id)
        .order_by(AuthSession.last_seen_at.desc(), AuthSession.id.desc())
    )
    return list(db.session.scalars(stmt))


def _page(status: int = 200, **forms: FlaskForm) -> tuple[str, int]:
    """Render the account page; ``forms`` replaces the blank form of the section that failed."""
    user = _me()
    context: dict[str, Any] = {
        "profile_form": ProfileForm(formdata=None, obj=user),
        "password_form": ChangePasswordForm(formdata=None),
        "enable_form": EnableTotpForm(formdata=None),
        "disable_form": DisableTotpForm(formdata=None),
    }
    context.update(forms)
    secret = None if user.totp_enabled else pending_totp_secret(user)
    current_hash = token_hash(user.session_token) if user.session_token else None
    return render(
        "account/index.html",
        status=status,
        totp_secret=_group(secret) if secret else None,
        totp_qr=Markup(totp.qr_svg(totp.provisioning_uri(user, secret))) if secret else None,  # segno's own SVG
        sessions=user_sessions(user),
        current_session_hash=current_hash,
        **context,
    )


@bp.get("/")
@login_required
def index() -> tuple[str, int]:
    """Account overview: profile, password, two-factor authentication, sessions."""
    return _page()


@bp.post("/profile")
@allow_readonly
@login_required
def update_profile() -> Response | tuple[str, int]:
    """Change the display name."""
    form = ProfileForm()
    if not form.validate_on_submit():
        return _page(422, profile_form=form)
    _me().name = form.name.data
    db.session.commit()
    flash("Your name was saved.", "success")
    return _back("profile")


@bp.post("/password")
@allow_readonly
@limiter.limit(_password_check_limit, key_func=_user_key)
@login_required
def change_password() -> Response | tuple[str, int]:
    """Change the password (current one required); every other session of the user ends."""
    user = _me()
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _page(422, password_form=form)
    if not verify_password(user.password_hash, form.current.data):
        form.current.errors.append("Your current password is not right.")
        return _page(422, password_form=form)
    user.password_hash = hash_password(form.password.data)
    invalidate_reset_tokens(user.id)
    record_for_user_companies(user, "password_changed")
    ended = end_other_sessions(user)  # commits the new password, the audit events and the sign-outs
    flash("Your password was changed. " + _ended_text(ended), "success")
    return _back("password")


@bp.post("/2fa/setup")
@allow_readonly
@login_required
def start_totp() -> Response:
    """Make a new secret, kept in this session until a code from the app confirms it."""
    user = _me()
    if user.totp_enabled:
        flash("Two-factor authentication is already on.", "info")
        return _back("two-factor")
    session[TOTP_SETUP_KEY] = {"secret": totp.new_secret(), "user_id": user.id, "at": utcnow().timestamp()}
    return _back("two-factor")


@bp.post("/2fa/cancel")
@allow_readonly
@login_required
def cancel_totp() -> Response:
    """Forget a secret that was never confirmed."""
    session.pop(TOTP_SETUP_KEY, None)
    return _back("two-factor")


@bp.post("/2fa/confirm")
@allow_readonly
@limiter.limit(_password_check_limit, key_func=_user_key)
@login_required
def confirm_totp() -> Response | tuple[str, int]:
    """Turn two-factor authentication on once the app shows a matching code."""
    user = _me()
    secret = None if user.totp_enabled else pending_totp_secret(user)
    if secret is None:
        session.pop(TOTP_SETUP_KEY, None)
        flash("The set-up expired or was already finished. Start again if needed.", "info")
        return _back("two-factor")
    form = EnableTotpForm()
    if form.validate_on_submit():
        step = totp.check_code(secret, form.code.data)
        if step is not None:
            user.totp_secret = secret
            user.totp_enabled = True
            user.totp_last_step = step  # the confirming code cannot be used to sign in again
            record_for_user_companies(user, "2fa_enabled")
            db.session.commit()
            session.pop(TOTP_SETUP_KEY, None)
            flash("Two-factor authentication is on. You will need a code when you sign in.", "success")
            return _back("two-factor")
        form.code.errors.append("That code is not right. Check the time on your phone and try the newest code.")
    return _page(422, enable_form=form)


@bp.post("/2fa/disable")
@allow_readonly
@limiter.limit(_password_check_limit, key_func=_user_key)
@login_required
def disable_totp() -> Response | tuple[str, int]:
    """Turn two-factor authentication off; asks for the password."""
    user = _me()
    form = DisableTotpForm()
    if not form.validate_on_submit():
        return _page(422, disable_form=form)
    if not verify_password(user.password_hash, form.current.data):
        form.current.errors.append("Your current password is not right.")
        return _page(422, disable_form=form)
    if user.totp_enabled:
        user.totp_enabled = False
        user.totp_secret = None
        user.totp_last_step = None
        record_for_user_companies(user, "2fa_disabled")
        db.session.commit()
    flash("Two-factor authentication is off.", "success")
    return _back("two-factor")


@bp.post("/sessions/end-others")
@allow_readonly
@login_required
def end_others() -> Response:
    """Sign out every other browser where this account is signed in."""
    flash(_ended_text(end_other_sessions(_me())), "success")
    return _back("sessions")


@bp.post("/sessions/<int:auth_session_id>/end")
@allow_readonly
@login_required
def end_one(auth_session_id: int) -> Response:
    """Sign out one other session of this account (not the current one: use Sign out)."""
    user = _me()
    row = db.session.get(AuthSession, auth_session_id)
    current = token_hash(user.session_token) if user.session_token else None
    if row is None or row.user_id != user.id or row.token_hash == current:
        abort(404)
    db.session.delete(row)
    db.session.commit()
    flash("That session was signed out.", "success")
    return _back("sessions")
