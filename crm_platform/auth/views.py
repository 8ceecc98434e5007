"""Signing in and out, the second factor, and password reset."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, flash, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, select, update

from crm_platform import tenancy
from crm_platform.audit.service import record
from crm_platform.auth import totp
from crm_platform.auth.forms import ForgotPasswordForm, LoginForm, NewPasswordForm, TotpForm
from crm_platform.auth.models import OneTimeToken, User
from crm_platform.auth.sessions import end_all_sessions, end_session, start_session
from crm_platform.companies.models import Membership
from crm_platform.extensions import db, limiter
from crm_platform.mail import send_mail
from crm_platform.models_base import utcnow
from crm_platform.permissions import allow_readonly
from crm_platform.security import hash_password, is_safe_local_path, new_token, token_hash, verify_password
from crm_platform.templating import render

bp = Blueprint("auth", __name__, template_folder="templates")
PENDING_2FA_SECONDS = 300


def _login_limit() -> str:
    return current_app.config["CRM_LOGIN_RATE_LIMIT"]


def _email_key() -> str:
    return "login-email:" + (request.form.get("email") or "").strip().lower()[:255]


def _pending_user_key() -> str:
    """Second-factor attempts count per account, whichever address they come from."""
    pending = session.get("pending_2fa") or {}
    return f"login-2fa:{pending.get('user_id', '')}"


def _next_url() -> str:
    target = request.args.get("next") or request.form.get("next")
    return target if is_safe_local_path(target) else url_for("core.dashboard")


def find_user_by_email(email: str) -> User | None:
    """Case-insensitive look-up of a user by email."""
    return db.session.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()


def record_for_user_companies(user: User, action: str, detail: str = "") -> None:
    """Add an audit event to every company ``user`` belongs to (account-wide events)."""
    with tenancy.unscoped():
        company_ids = db.session.scalars(select(Membership.company_id).where(Membership.user_id == user.id)).all()
    for company_id in company_ids:
        record(action, detail, company_id=company_id, actor_id=user.id)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_email_key)
def login() -> Response | tuple[str, int]:
    """Sign in. Unknown account and wrong password get the same answer and cost."""
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        valid = verify_password(user.password_hash if user else None, form.password.data)
        if user is not None and valid and user.is_active:
            if user.totp_enabled:
                session.clear()
                session["pending_2fa"] = {"user_id": user.id, "at": utcnow().timestamp(), "next": _next_url()}
                return redirect(url_for("auth.login_totp"), code=303)
            return _complete_login(user, _next_url())
        if user is not None:
            record_for_user_companies(user, "sign_in_failed", "wrong password")
            db.session.commit()
        form.password.errors.append("The email or password is not right.")
        return render("auth/login.html", form=form, status=422)
    status = 422 if request.method == "POST" else 200
    return render("auth/login.html", form=form, status=status)


def _complete_login(user: User, next_url: str) -> Response:
    start_session(user)
    record_for_user_companies(user, "sign_in", request.user_agent.string[:200] if request.user_agent else "")
    db.session.commit()
    return redirect(next_url, code=303)


@bp.route("/login/2fa", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_pending_user_key)
def login_totp() -> Response | tuple[str, int]:
    """Second step of sign-in for users with two-factor authentication."""
    pending = session.get("pending_2fa")
    if not pending or utcnow().timestamp() - pending.get("at", 0) > PENDING_2FA_SECONDS:
        session.pop("pending_2fa", None)
        flash("Please sign in again.", "info")
        return redirect(url_for("auth.login"), code=303)
    user = db.session.get(User, pending["user_id"])
    if user is None or not user.totp_enabled or not user.is_active:
        session.pop("pending_2fa", None)
        return redirect(url_for("auth.login"), code=303)
    form = TotpForm()
    if form.validate_on_submit():
        if totp.verify_and_consume(user, form.code.data):
            return _complete_login(user, pending.get("next") or url_for("core.dashboard"))
        record_for_user_companies(user, "sign_in_failed", "wrong two-factor code")
        db.session.commit()
        form.code.errors.append("That code is not valid. Check your authenticator app.")
        return render("auth/totp.html", form=form, status=422)
    return render("auth/totp.html", form=form, status=422 if request.method == "POST" else 200)


@bp.post("/logout")
@allow_readonly
def logout() -> Response:
    """Sign out and invalidate this session on the server."""
    if current_user.is_authenticated:
        end_session(current_user._get_current_object())
    flash("You are signed out.", "success")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password() -> Response | tuple[str, int]:
    """Ask for a reset link. The answer is the same whether the account exists or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        if user is not None and user.is_active:
            token, hashed = new_token()
            max_age = current_app.config["CRM_TOKEN_MAX_AGE_RESET"]
            db.session.add(
                OneTimeToken(purpose="reset", token_hash=hashed, user_id=user.id, expires_at=utcnow() + timedelta(seconds=max_age))
            )
            db.session.commit()
            link = f"{current_app.config['CRM_BASE_URL']}{url_for('auth.reset_password', token=token)}"
            send_mail(
                user.email,
                "Reset your CRM password",
                f"Hello {user.display_name},\n\nSomebody asked to reset the password of this account.\n"
                f"Open this link within {max_age // 60} minutes to choose a new password:\n\n{link}\n\n"
                "If it was not you, ignore this message: nothing changes.\n",
            )
        flash("If an account exists for that address, a reset link is on its way.", "success")
        return redirect(url_for("auth.login"), code=303)
    return render("auth/forgot.html", form=form, status=422 if request.method == "POST" else 200)


def invalidate_reset_tokens(user_id: int) -> None:
    """Mark every unused reset link of a user as used (after the password changed)."""
    db.session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.user_id == user_id, OneTimeToken.purpose == "reset", OneTimeToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _claim_token(row: OneTimeToken) -> bool:
    """Mark ``row`` used with a conditional UPDATE; False when another request got there first."""
    result = db.session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.id == row.id, OneTimeToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return (result.rowcount or 0) == 1


def _live_token(purpose: str, token: str) -> OneTimeToken | None:
    row = db.session.scalars(select(OneTimeToken).where(OneTimeToken.token_hash == token_hash(token), OneTimeToken.purpose == purpose)).first()
    if row is None or row.used_at is not None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=utcnow().tzinfo)
    return row if expires > utcnow() else None


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_password(token: str) -> Response | tuple[str, int]:
    """Choose a new password with a single-use, expiring link; ends every session of the user."""
    row = _live_token("reset", token)
    user = db.session.get(User, row.user_id) if row is not None else None
    if row is None or user is None or not user.is_active:
        return render("auth/token_invalid.html", status=404)
    form = NewPasswordForm()
    if form.validate_on_submit():
        new_hash = hash_password(form.password.data)  # before the claim: keep the write short
        if not _claim_token(row):
            db.session.rollback()
            return render("auth/token_invalid.html", status=404)
        user.password_hash = new_hash
        invalidate_reset_tokens(user.id)
        db.session.commit()
        end_all_sessions(user.id)
        record_for_user_companies(user, "password_reset")
        db.session.commit()
        flash("Your password was changed. Sign in with the new one.", "success")
        return redirect(url_for("auth.login"), code=303)
    return render("auth/reset.html", form=form, status=422 if request.method == "POST" else 200)
