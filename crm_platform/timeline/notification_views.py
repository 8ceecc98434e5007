"""The notifications page, the top-bar bell, and marking notifications read."""

from __future__ import annotations

from flask import Response, abort, redirect, request, url_for
from flask_login import current_user, login_required

from crm_platform.contacts.blueprint import is_htmx
from crm_platform.errors import htmx_redirect
from crm_platform.extensions import db
from crm_platform.permissions import allow_readonly, require_permission
from crm_platform.security import is_safe_local_path
from crm_platform.templating import render
from crm_platform.timeline import notifications as service
from crm_platform.timeline.blueprint import bp


@bp.get("/notifications")
@login_required
@require_permission("records.view")
def notifications() -> tuple[str, int]:
    """The current user's notifications here, newest first (``?unread=1``: unread only)."""
    unread_only = request.args.get("unread") == "1"
    page = service.notifications_page(current_user.id, request.args.get("cursor") or None, unread_only)
    return render(
        "timeline/notifications.html", block="notification_items",
        page=page, unread_only=unread_only, unread=service.unread_count(current_user.id),
    )


@bp.get("/notifications/bell")
@login_required
@require_permission("records.view")
def bell() -> tuple[str, int]:
    """The bell with the unread count (htmx polls it about once a minute)."""
    return render("timeline/_bell.html", unread=service.unread_count(current_user.id))


@bp.post("/notifications/<int:notification_id>/read")
@allow_readonly
@login_required
@require_permission("records.view")
def read(notification_id: int) -> Response | tuple[str, int]:
    """Mark one notification read; with ``open=1`` go on to what it links to."""
    notification = service.get_notification(current_user.id, notification_id)
    if notification is None:
        abort(404)
    service.mark_read(notification)
    db.session.commit()
    if request.form.get("open") == "1" and is_safe_local_path(notification.link):
        return htmx_redirect(notification.link)
    if is_htmx():
        html, _ = render("timeline/_notification.html", notification=notification)
        bell_html, _ = render("timeline/_bell.html", unread=service.unread_count(current_user.id), oob=True)
        return Response(html + bell_html, 200)
    return redirect(url_for("timeline.notifications"), code=303)


@bp.post("/notifications/read-all")
@allow_readonly
@login_required
@require_permission("records.view")
def read_all() -> Response:
    """Mark every notification of the current user here read."""
    service.mark_all_read(current_user.id)
    db.session.commit()
    return htmx_redirect(url_for("timeline.notifications"))
