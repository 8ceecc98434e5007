"""People: the detail page with the timeline, edits (the list is in list_views.py)."""

from __future__ import annotations

from flask import Response, flash, request, url_for
from flask_login import current_user, login_required

from crm_platform.contacts import plugin_ui, services
from crm_platform.contacts.blueprint import bp
from crm_platform.contacts.forms import ActivityForm, id_text, person_form
from crm_platform.contacts.models import Person
from crm_platform.errors import htmx_redirect
from crm_platform.extensions import db
from crm_platform.permissions import require_permission
from crm_platform.templating import render


@bp.get("/people/new")
@login_required
@require_permission("records.edit")
def new_person() -> tuple[str, int]:
    """The form for a new person (``?organization=ID`` preselects the organization)."""
    organization = services.find_organization(request.args.get("organization", type=int))
    form = person_form(
        organization_id=id_text(organization.id if organization else None),
        owner_id=id_text(current_user.id),
    )
    return render("contacts/person_form.html", form=form, person=None)


@bp.post("/people")
@login_required
@require_permission("records.edit")
def create_person() -> Response | tuple[str, int]:
    """Create a person from the form; 422 with the errors when it does not validate."""
    form = person_form()
    if not form.validate_on_submit():
        return render("contacts/person_form.html", form=form, person=None, status=422)
    person = Person()
    form.apply_to(person)
    services.create_person(person)
    db.session.commit()
    flash(f"{person.full_name} was added.", "success")
    return htmx_redirect(url_for("contacts.person", person_id=person.id))


@bp.get("/people/<int:person_id>")
@login_required
@require_permission("records.view")
def person(person_id: int) -> tuple[str, int]:
    """A person's facts and timeline; ``?before=CURSOR`` shows older entries."""
    row = services.get_person(person_id)
    before = request.args.get("before") or None
    timeline = services.timeline_page(person_id=row.id, before=before)
    return render(
        "contacts/person_detail.html", block="timeline_page",
        person=row, timeline=timeline, before=before, note_form=ActivityForm(formdata=None),
        panels=plugin_ui.panels("crm_person_panels", person=row),
        actions=plugin_ui.actions("crm_person_actions", person=row),
        note_action=url_for("contacts.add_person_activity", person_id=row.id),
        timeline_url=url_for("contacts.person", person_id=row.id),
    )


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
@require_permission("records.edit")
def edit_person(person_id: int) -> Response | tuple[str, int]:
    """Edit a person; 422 with the errors when the form does not validate."""
    row = services.get_person(person_id)
    form = person_form(row)
    if form.validate_on_submit():
        before = services.snapshot(row, services.PERSON_FIELDS)
        form.apply_to(row)
        services.update_person(row, before)
        db.session.commit()
        flash(f"{row.full_name} was saved.", "success")
        return htmx_redirect(url_for("contacts.person", person_id=row.id))
    return render("contacts/person_form.html", form=form, person=row, status=422 if form.is_submitted() else 200)


@bp.post("/people/<int:person_id>/delete")
@login_required
@require_permission("records.edit")
def delete_person(person_id: int) -> Response:
    """Delete a person and their timeline, then show the list."""
    row = services.get_person(person_id)
    name = row.full_name
    services.delete_person(row)
    db.session.commit()
    flash(f"{name} was deleted.", "success")
    return htmx_redirect(url_for("contacts.people"))
