"""Per-request company context: which company, which role, scoping switched on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, abort, current_app, g, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from crm_platform import tenancy
from crm_platform.companies.models import Membership
from crm_platform.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def memberships_of(user_id: int) -> list[Membership]:
    """All of a user's memberships in active companies, by company name (for the switcher)."""
    known = g.pop("crm_memberships", None) if has_request_context() else None
    if known is not None and known[0] == user_id:  # read with the sign-in session (used once: later calls re-read)
        return known[1]
    with tenancy.unscoped():
        stmt = (select(Membership).options(lazyload(Membership.user))  # the signed-in user is in the session already
                .where(Membership.user_id == user_id))
        return _for_switcher(db.session.scalars(stmt).unique())


def remember_memberships(user_id: int, memberships: list[Membership]) -> None:
    """Keep ``memberships`` (read with the sign-in session) as this request's :func:`memberships_of`."""
    if has_request_context():
        g.crm_memberships = (user_id, _for_switcher(memberships))


def _for_switcher(memberships: Iterable[Membership]) -> list[Membership]:
    """The memberships in active companies, by company name: what and in which order the switcher lists."""
    return sorted((m for m in memberships if m.company.is_active), key=lambda m: (m.company.name, m.company_id))


def _load_company_context() -> None:
    g.company = None
    g.membership = None
    g.role = None
    g.memberships = []
    g.tenancy_token = tenancy.set_company(None)
    if request.blueprint == "api":
        return  # cookies never authenticate the API: crm_platform.api.auth sets the context from the token
    if request.endpoint == "static" or not current_user.is_authenticated:
        return
    memberships = memberships_of(current_user.id)
    g.memberships = memberships
    wanted = session.get("company_id")
    chosen = next((m for m in memberships if m.company_id == wanted), None) or (memberships[0] if memberships else None)
    if chosen is None:
        return
    for other in memberships:
        if other is not chosen:
            db.session.expunge(other)  # keep other companies' rows out of this request's identity map
    if wanted != chosen.company_id:
        session["company_id"] = chosen.company_id  # changing the session re-issues its cookie
    g.company = chosen.company
    g.membership = chosen
    g.role = chosen.role
    tenancy.set_company(chosen.company_id)
    _refuse_readonly_writes()


def _refuse_readonly_writes() -> None:
    """Read-only members change nothing, whichever view they reach (server-side, one place)."""
    if g.role != "readonly" or request.method in SAFE_METHODS:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "crm_allow_readonly", False):
        return
    abort(403)


def _reset(exc: BaseException | None = None) -> None:
    token = g.pop("tenancy_token", None)
    if token is not None:
        tenancy.reset_company(token)


def init_app(app: Flask) -> None:
    """Install the before/teardown request handlers that set the company context."""
    app.before_request(_load_company_context)
    app.teardown_request(_reset)

    @app.context_processor
    def inject_company() -> dict[str, Any]:
        return {
            "current_company": getattr(g, "company", None),
            "current_role": getattr(g, "role", None),
            "my_memberships": getattr(g, "memberships", []),
        }
