"""Saved views of the people list: save the current filters and sort, apply, rename, delete."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Response, flash, request, url_for
from flask_login import login_required

from crm_platform.contacts import saved_views
from crm_platform.contacts.blueprint import bp
from crm_platform.errors import htmx_redirect
from crm_platform.extensions import db
from crm_platform.permissions import allow_readonly, require_permission


def _list_url(query: str, view_id: int | None = None) -> str:
    url = url_for("contacts.people")
    if view_id is not None:
        query = "&".join(filter(None, [query, f"view={view_id}"]))
    return f"{url}?{query}" if query else url


@bp.post("/people/views")
@allow_readonly  # a view is the user\'s own preference, not company data
@login_required
@require_permission("records.view")
def save_people_view() -> Response:
    """Save the filters and sort of the list (``query``, a query string) under ``name``."""
    pairs = parse_qsl((request.form.get("query") or "")[:saved_views.MAX_QUERY])
    try:
        view = saved_views.save_view(request.form.get("name", ""), pairs)
    except saved_views.SavedViewError as error:
        flash(str(error), "error")
        return htmx_redirect(_list_url(saved_views.clean_query(pairs)))
    db.session.commit()
    flash(f"View {view.name} saved.", "success")
    return htmx_redirect(_list_url(view.query, view.id))


@bp.get("/people/views/<int:saved_view_id>")
@login_required
@require_permission("records.view")
def apply_people_view(saved_view_id: int) -> Response:
    """Open the list with the filters and sort of one of the user's views."""
    view = saved_views.get_view(saved_view_id)
    from flask import redirect

    return redirect(_list_url(view.query, view.id), code=303)


@bp.post("/people/views/<int:saved_view_id>/rename")
@allow_readonly  # a view is the user\'s own preference, not company data
@login_required
@require_permission("records.view")
def rename_people_view(saved_view_id: int) -> Response:
    """Give one of the user's views a new name."""
    view = saved_views.get_view(saved_view_id)
    try:
        saved_views.rename_view(view, request.form.get("name", ""))
        db.session.commit()
        flash(f"View renamed to {view.name}.", "success")
    except saved_views.SavedViewError as error:
        db.session.rollback()
        flash(str(error), "error")
    return htmx_redirect(_list_url(view.query, view.id))


@bp.post("/people/views/<int:saved_view_id>/delete")
@allow_readonly  # a view is the user\'s own preference, not company data
@login_required
@require_permission("records.view")
def delete_people_view(saved_view_id: int) -> Response:
    """Delete one of the user's views."""
    view = saved_views.get_view(saved_view_id)
    name = view.name
    saved_views.delete_view(view)
    db.session.commit()
    flash(f"View {name} deleted.", "success")
    return htmx_redirect(url_for("contacts.people"))
