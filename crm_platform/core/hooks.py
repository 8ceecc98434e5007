"""The core's own hook implementations: dashboard, switcher, probes, sign-in redirects."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, make_response, redirect, request

from crm_platform.extensions import login_manager
from crm_platform.plugins import NavItem, hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """The dashboard and probes."""
    from crm_platform.core.views import bp

    return [bp]


@hookimpl
def crm_nav_items(user: Any, company: Any) -> list[NavItem]:
    """Dashboard first in the sidebar."""
    return [NavItem("Dashboard", "core.dashboard", icon="home", order=0)]


@login_manager.unauthorized_handler
def _unauthorized():  # type: ignore[no-untyped-def]
    """Expired or missing session: HX-Redirect for htmx, 401 JSON for the API, else a redirect."""
    from crm_platform.errors import login_redirect_url, wants_json

    location = login_redirect_url()
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 200)
        response.headers["HX-Redirect"] = location
        return response
    if wants_json():
        return make_response(jsonify(error={"status": 401, "message": "Sign in required."}), 401)
    return redirect(location, code=303)
