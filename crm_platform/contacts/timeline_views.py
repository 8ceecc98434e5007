"""The timeline: adding notes, calls and meetings inline, and deleting entries."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import login_required

from crm_platform.contacts import plugin_ui, services
from crm_platform.contacts.blueprint import bp, is_htmx
from crm_platform.contacts.models import ACTIVITY_KINDS, Organization, Person
from crm_platform.extensions import db
from crm_platform.permissions import require_permission
from crm_platform.security import is_safe_local_path
from crm_platform.templating import render


def _add_activity(subject: Person | Organization, page: str, page_context: dict[str, Any]) -> Response | tuple[str, int]:
    """Add the composer's entry to ``subject``'s timeline (see :mod:`crm_platform.timeline.composer`)."""
    from crm_platform.timeline.composer import add_entry

    return add_entry(subject, page, page_context, _detail_page)


def _detail_page(subject: Person | Organization, form: Any, note_action: str, timeline_url: str) -> tuple[str, int]:
    """The detail page of ``subject`` with the note form's errors (no-JS fallback, 422)."""
    if isinstance(subject, Person):
        timeline = services.timeline_page(person_id=subject.id)
        return render(
            "contacts/person_detail.html", status=422, person=subject, timeline=timeline, before=None,
            note_form=form, note_action=note_action, timeline_url=timeline_url,
            panels=plugin_ui.panels("crm_person_panels", person=subject),
            actions=plugin_ui.actions("crm_person_actions", person=subject),
        )
    timeline = services.timeline_page(organization_id=subject.id)
    return render(
        "contacts/organization_detail.html", status=422, organization=subject, people=services.people_of(subject),
        timeline=timeline, before=None, show_subject=True, note_form=form, note_action=note_action,
        timeline_url=timeline_url,
        panels=plugin_ui.panels("crm_organization_panels", organization=subject),
        actions=plugin_ui.actions("crm_organization_actions", organization=subject),
    )


@bp.post("/people/<int:person_id>/activities")
@login_required
@require_permission("records.edit")
def add_person_activity(person_id: int) -> Response | tuple[str, int]:
    """Add a note, call, meeting… to a person's timeline."""
    person = services.get_person(person_id)
    return _add_activity(person, "contacts.person", {"person_id": person.id})


@bp.post("/organizations/<int:organization_id>/activities")
@login_required
@require_permission("records.edit")
def add_organization_activity(organization_id: int) -> Response | tuple[str, int]:
    """Add a note, call, meeting… to an organization's timeline."""
    organization = services.get_organization(organization_id)
    return _add_activity(organization, "contacts.organization", {"organization_id": organization.id})


@bp.post("/activities/<int:activity_id>/delete")
@login_required
@require_permission("records.edit")
def delete_activity(activity_id: int) -> Response | tuple[str, int]:
    """Delete a timeline entry: its author, owners and admins only (else 403).

    htmx gets an empty 200 (the entry is swapped away); a form post goes back to
    ``next`` (a local path) or to the entry's person or organization.
    """
    activity = services.get_activity(activity_id)
    if not services.can_delete_activity(activity):
        abort(403)
    target = request.form.get("next")
    if not is_safe_local_path(target):
        if activity.person_id is not None:
            target = url_for("contacts.person", person_id=activity.person_id)
        elif activity.organization_id is not None:
            target = url_for("contacts.organization", organization_id=activity.organization_id)
        else:
            target = url_for("contacts.people")
    db.session.delete(activity)
    db.session.commit()
    if is_htmx():
        return "", 200
    flash("The entry was deleted.", "success")
    return redirect(target, code=303)


@bp.get("/activity")
@login_required
@require_permission("records.view")
def feed() -> tuple[str, int]:
    """Everything that happened in the company, newest first; filters: kind, author, open tasks, dates."""
    from crm_platform.timeline import feed as timeline_feed

    kinds = {kind: kind.capitalize() for kind in ACTIVITY_KINDS}
    kinds.update({kind: entry.label for kind, entry in plugin_ui.entry_types().items()})
    members = dict(services.member_choices())
    filters, errors = timeline_feed.parse_filters(request.args, kinds, members)
    if errors:
        filters, page = {}, services.Page([])
    else:
        page = timeline_feed.feed_page(filters, request.args.get("before") or None)
    return render(
        "contacts/feed.html", block="feed_page", status=422 if errors else 200,
        timeline=page, kinds=kinds, members=members, filters=filters, errors=errors,
        show_subject=True, timeline_url=url_for("contacts.feed"),
    )
