"""Public (sign-in free) endpoints for plugins: web forms, webhooks, embeds.

A plugin's blueprint normally answers 404 unless the signed-in user's company enabled the
plugin. A view marked :func:`public_view` is reached by anonymous visitors from other sites
(no CSRF token), so it names its company itself (for example by slug, with
:func:`company_by_slug`), checks ``is_enabled(plugin, company.id)`` and runs its queries in
``company_scope(company.id)``. Protect it with :func:`rate_limit`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select

from crm_platform.extensions import csrf, db, limiter

F = TypeVar("F", bound=Callable[..., Any])


def public_view(view: F) -> F:
    """Mark a view as public: CSRF-exempt, past the plugin gate, allowed for read-only visitors.

    Put it directly under the route decorator (``@bp.post(...)`` then ``@public_view``).
    """
    view.crm_public = True  # type: ignore[attr-defined]
    view.crm_allow_readonly = True  # type: ignore[attr-defined]
    csrf.exempt(view)
    return view


def rate_limit(limit: str | Callable[[], str], key_func: Callable[[], str] | None = None, methods: list[str] | None = None) -> Callable[[F], F]:
    """Flask-Limiter's limit decorator: ``limit`` like ``"5 per minute"`` (or a callable reading config).

    By default the key is the client's IP address; over the limit the visitor gets a 429.
    """
    return limiter.limit(limit, key_func=key_func, methods=methods)  # type: ignore[return-value]


def company_by_slug(slug: str) -> Any:
    """The active company whose slug is ``slug``, or None (for public endpoints)."""
    from crm_platform import tenancy
    from crm_platform.companies.models import Company

    if not slug or len(slug) > 60:
        return None
    with tenancy.unscoped():
        return db.session.scalars(select(Company).where(Company.slug == slug, Company.is_active.is_(True))).first()


def current_company() -> Any:
    """The company of the current request (the signed-in user's), or None."""
    from flask import g, has_request_context

    return getattr(g, "company", None) if has_request_context() else None
