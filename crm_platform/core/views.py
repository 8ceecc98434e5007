"""Core pages: dashboard, company switcher, health and readiness probes."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, g, jsonify, request
from markupsafe import Markup
from flask_login import current_user, login_required
from sqlalchemy import text

from crm_platform.errors import htmx_redirect
from crm_platform.extensions import db
from crm_platform.migrations_status import migrations_at_head
from crm_platform.permissions import allow_readonly, has_permission
from crm_platform.plugins import runtime
from crm_platform.plugins.types import DashboardWidget
from crm_platform.templating import render

log = logging.getLogger(__name__)
bp = Blueprint("core", __name__, template_folder="templates")


@bp.get("/")
@login_required
def dashboard() -> tuple[str, int]:
    """The home page: widgets from the core and every enabled plugin."""
    widgets: list[DashboardWidget] = []
    if g.company is not None:
        items = runtime.collect_ui("crm_dashboard_widgets", user=current_user, company=g.company)
        widgets = [w for w in items if isinstance(w, DashboardWidget) and (w.permission is None or has_permission(w.permission))]
        widgets.sort(key=lambda w: (w.order, w.title))
    return render("core/dashboard.html", widgets=widgets, render_widget=render_widget)


def render_widget(widget: DashboardWidget) -> Markup:
    """Render one widget; a widget that raises becomes a small error box."""
    try:
        return Markup(widget.render())
    except Exception:
        log.exception("dashboard widget %s failed", widget.name)
        return runtime.error_box(widget.name)


@bp.post("/switch-company")
@login_required
@allow_readonly
def switch_company() -> Response:
    """Make another of the user's companies the current one."""
    from flask import session, url_for

    from crm_platform.context import memberships_of

    try:
        wanted = int(request.form.get("company_id", ""))
    except ValueError:
        abort(404)
    if not any(m.company_id == wanted for m in memberships_of(current_user.id)):
        abort(404)
    session["company_id"] = wanted
    return htmx_redirect(url_for("core.dashboard"))


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the process answers. Touches no database."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Readiness: the database answers and its schema is at the latest migration."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # report, do not crash
        log.warning("readiness: database unreachable: %s", exc)
        return jsonify(status="unavailable", database="unreachable"), 503
    try:
        current, pending = migrations_at_head(db.engine)
    except Exception as exc:  # an unknown revision in the database, for instance
        log.warning("readiness: cannot compare migrations: %s", exc)
        return jsonify(status="unavailable", database="ok", migrations="unknown"), 503
    if pending:
        return jsonify(status="unavailable", database="ok", migrations="pending", current=current, pending=pending), 503
    return jsonify(status="ok", database="ok", migrations="head"), 200
