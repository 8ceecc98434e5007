"""Server-side sign-in sessions: the cookie carries an opaque token, the database its hash."""

from __future__ import annotations

from datetime import timedelta

from flask import request, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import lazyload

from crm_platform import tenancy
from crm_platform.auth.models import AuthSession, User
from crm_platform.companies.models import Membership
from crm_platform.context import remember_memberships
from crm_platform.extensions import db, login_manager
from crm_platform.models_base import utcnow
from crm_platform.security import new_token, token_hash

TOUCH_INTERVAL = timedelta(minutes=5)


def start_session(user: User) -> None:
    """Sign ``user`` in on a fresh session (the old session data is dropped first)."""
    session.clear()
    token, hashed = new_token()
    db.session.add(
        AuthSession(
            token_hash=hashed,
            user_id=user.id,
            user_agent=(request.user_agent.string or "")[:255],
            ip=(request.remote_addr or "")[:64],
        )
    )
    user.last_login_at = utcnow()
    db.session.commit()
    user.session_token = token
    session.permanent = True
    login_user(user, remember=False, fresh=True)


def end_session(user: User | None) -> None:
    """Sign out: delete this session's row so a replayed cookie is refused, then clear the cookie."""
    if user is not None and getattr(user, "session_token", None):
        db.session.execute(delete(AuthSession).where(AuthSession.token_hash == token_hash(user.session_token)))
        db.session.commit()
    logout_user()
    session.clear()


def end_other_sessions(user: User) -> int:
    """Delete every session of ``user`` except the current one; returns how many ended."""
    keep = token_hash(user.session_token) if user.session_token else ""
    result = db.session.execute(
        delete(AuthSession).where(AuthSession.user_id == user.id, AuthSession.token_hash != keep)
    )
    db.session.commit()
    return result.rowcount or 0


def end_all_sessions(user_id: int) -> None:
    """Delete every session of a user (after a password reset or removal)."""
    db.session.execute(delete(AuthSession).where(AuthSession.user_id == user_id))
    db.session.commit()


# Built once: every signed-in request runs it (the token hash is its only parameter).
_SESSION_WITH_MEMBERSHIPS = (
    select(AuthSession, Membership)
    .outerjoin(Membership, Membership.user_id == AuthSession.user_id)
    .options(lazyload(Membership.user))  # the session row brings the user
    .where(AuthSession.token_hash == bindparam("token_hash"))
)


@login_manager.user_loader
def load_user_from_session(token: str) -> User | None:
    """Flask-Login loader: find the live session row for the cookie's token.

    The same statement reads the user's memberships, which every page needs next
    (:func:`crm_platform.context.memberships_of` takes them from there).
    """
    with tenancy.unscoped():  # memberships of every company: the switcher lists them
        found = db.session.execute(_SESSION_WITH_MEMBERSHIPS, {"token_hash": token_hash(token)}).all()
    row = found[0][0] if found else None
    if row is None or not row.user.is_active:
        return None
    remember_memberships(row.user_id, [membership for _, membership in found if membership is not None])
    now = utcnow()
    last_seen = row.last_seen_at if row.last_seen_at.tzinfo else row.last_seen_at.replace(tzinfo=now.tzinfo)
    if now - last_seen > TOUCH_INTERVAL:
        row.last_seen_at = now
        db.session.commit()
        session.modified = True  # re-issue the cookie: its lifetime counts from the last activity
    user = row.user
    user.session_token = token
    return user
