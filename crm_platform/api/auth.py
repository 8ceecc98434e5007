"""Bearer-token authentication for ``/api/v1``: tenancy, role, scope and rate limit from the token.

Cookies never authenticate the API: :mod:`crm_platform.context` skips the session for
the ``api`` blueprint, and this module acts as the token's user in the token's company.
The blueprint is exempt from CSRF (a browser cannot attach the bearer header by itself).
"""

from __future__ import annotations

import time
from typing import Any

from flask import Response, current_app, g, request
from flask_login import AnonymousUserMixin
from limits import parse

from crm_platform import tenancy
from crm_platform.api import tokens
from crm_platform.errors import error_response
from crm_platform.extensions import limiter
from crm_platform.permissions import role_permissions

PUBLIC_ENDPOINTS = frozenset({"api.openapi", "api.docs"})
DEFAULT_RATE_LIMIT = "600 per minute"


def unauthorized(message: str) -> Response:
    """A 401 JSON answer asking for a bearer token."""
    response = error_response(401, message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="crm-api"'
    return response


def bearer_secret() -> str | None:
    """The token sent in ``Authorization: Bearer <token>``, or None."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip() or None


def authenticate() -> Response | None:
    """``before_request`` of the API: resolve the token, check the rate limit, set the company."""
    g._login_user = AnonymousUserMixin()  # whatever cookie came along, it is not the API's user
    g.api_token = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    secret = bearer_secret()
    if secret is None:
        return unauthorized("Send a personal API token: Authorization: Bearer <token>.")
    resolved = tokens.resolve(secret)
    if resolved is None:
        return unauthorized("This API token is unknown, revoked, or no longer has access to its company.")
    limited = check_rate_limit(resolved.token.id)
    if limited is not None:
        return limited
    tokens.touch(resolved.token)
    membership = resolved.membership
    g._login_user = membership.user
    g.api_token = resolved.token
    g.company = membership.company
    g.membership = membership
    g.role = membership.role
    g.memberships = [membership]
    tenancy.set_company(membership.company_id)
    return None


def _limit_item() -> Any:
    return parse(current_app.config.get("CRM_API_RATE_LIMIT") or DEFAULT_RATE_LIMIT)


def check_rate_limit(token_id: int) -> Response | None:
    """Count one request for the token (``CRM_API_RATE_LIMIT``); a 429 JSON answer when over."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    item = _limit_item()
    strategy = limiter.limiter
    key = ("crm-api-token", str(token_id))
    allowed = strategy.hit(item, *key)
    stats = strategy.get_window_stats(item, *key)
    g.api_rate = (item.amount, stats.remaining, int(stats.reset_time))
    if allowed:
        return None
    response = error_response(429, f"This token may make {item}. Wait and try again.")
    response.headers["Retry-After"] = str(max(1, int(stats.reset_time - time.time())))
    return add_rate_headers(response)


def add_rate_headers(response: Response) -> Response:
    """``after_request``: tell the client its limit, what is left and when the window resets."""
    rate = g.pop("api_rate", None)
    if rate is not None:
        amount, remaining, reset = rate
        response.headers["X-RateLimit-Limit"] = str(amount)
        response.headers["X-RateLimit-Remaining"] = str(max(0, remaining))
        response.headers["X-RateLimit-Reset"] = str(reset)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def write_problem(edit_permission: str) -> str | None:
    """Why the current token may not write (scope, then role), or None when it may."""
    token = g.get("api_token")
    if token is None or not token.can_write:
        return "This API token is read-only. Create a read-write token to make changes."
    if g.get("role") == "readonly" or edit_permission not in role_permissions(g.get("role")):
        return "Your role in this company does not allow this change."
    return None


def read_problem(view_permission: str) -> str | None:
    """Why the current token may not read a resource, or None."""
    if view_permission not in role_permissions(g.get("role")):
        return "Your role in this company does not allow this."
    return None
