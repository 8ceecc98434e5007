"""People: the detail page with the timeline, edits (the list is in list_views.py)."""

from __future__ import annotations

from flask import Response, flash, request, url_for
from flask_login import current_user, login_required

from crm_platform.contacts import bulk, plugin_ui, services
from crm_platform.contacts.blueprint import bp
from crm_platform.contacts.forms import id_text
from crm_platform.contacts.inline_fields import fields_of
from crm_platform.contacts.list_views import remember_undo
from crm_platform.contacts.models import Person
from crm_platform.contacts.person_forms import fill_organization_choices, person_form
from crm_platform.contacts.person_saving import CustomValues, form_page, is_stale, save_extras
from crm_platform.errors import htmx_redirect
from crm_platform.extensions import db
from crm_platform.permissions import has_permission, require_permission
from crm_platform.templating import render
from crm_platform.numbers import parse_id


@bp.get("/people/new")
@login_required
@require_permission("records.edit")
def new_person() -> tuple[str, int]:
    """The form for a new person (``?organization=ID`` preselects the organization)."""
    organization = services.find_organization(parse_id(request.args.get("organization")))
    form = person_form(owner_id=id_text(current_user.id))
    if organization is not None:
        form.organizations[0].form.organization_id.data = id_text(organization.id)
        fill_organization_choices(form.organizations[0].form.organization_id)
    return form_page(form, None, CustomValues("person"))


@bp.post("/people")
@login_required
@require_permission("records.edit")
def create_person() -> Response | tuple[str, int]:
    """Create a person from the form; 422 with every error when it does not validate."""
    form = person_form(formdata=request.form)
    custom = CustomValues("person", submitted=True)
    if not form.validate_on_submit() or custom.errors:
        return form_page(form, None, custom, status=422)
    person = Person()
    form.apply_to(person)
    services.create_person(person)
    save_extras(person, form, custom)
    db.session.commit()
    flash(f"{person.full_name} was added.", "success")
    return htmx_redirect(url_for("contacts.person", person_id=person.id))


@bp.get("/people/<int:person_id>")
@login_required
@require_permission("records.view")
def person(person_id: int) -> tuple[str, int]:
    """A person's facts and timeline; ``?before=CURSOR`` shows older entries."""
    row = services.get_person(person_id, with_contact_details=True)
    before = request.args.get("before") or None
    timeline = services.timeline_page(person_id=row.id, before=before)
    return render(
        "contacts/person_detail.html", block="timeline_page",
        person=row, timeline=timeline, before=before, note_form=None,
        panels=plugin_ui.panels("crm_person_panels", person=row),
        actions=plugin_ui.actions("crm_person_actions", person=row),
        note_action=url_for("contacts.add_person_activity", person_id=row.id),
        timeline_url=url_for("contacts.person", person_id=row.id),
        **detail_context(row),
    )


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
@require_permission("records.edit")
def edit_person(person_id: int) -> Response | tuple[str, int]:
    """Edit a person; 422 with the errors, 409 (nothing saved) when it changed meanwhile."""
    row = services.get_person(person_id)
    if request.method == "GET":
        return form_page(person_form(row, version=str(row.version)), row, CustomValues("person", row.id))
    form = person_form(row, formdata=request.form)
    custom = CustomValues("person", submitted=True)
    if is_stale(form.version.data, row):
        form.validate_on_submit()
        form.version.data = str(row.version)  # saving again is a deliberate overwrite
        return form_page(form, row, custom, status=409, conflict=True)
    if not form.validate_on_submit() or custom.errors:
        return form_page(form, row, custom, status=422)
    before = services.snapshot(row, services.PERSON_FIELDS)
    form.apply_to(row)
    save_extras(row, form, custom)
    services.update_person(row, before)
    db.session.commit()
    flash(f"{row.full_name} was saved.", "success")
    return htmx_redirect(url_for("contacts.person", person_id=row.id))


@bp.post("/people/<int:person_id>/delete")
@login_required
@require_permission("records.edit")
def delete_person(person_id: int) -> Response:
    """Move a person to the trash (like the list's bulk delete), then show the list with an Undo toast."""
    row = services.get_person(person_id)
    name = row.full_name
    ids = bulk.trash_people([row])
    db.session.commit()
    remember_undo(ids, f"{name} was moved to the trash.")
    return htmx_redirect(url_for("contacts.people"))


def detail_context(person: Person) -> dict[str, object]:
    """What the person page shows beside the timeline: editable fields, custom values, related people."""
    from crm_platform.contacts.person_saving import tag_suggestions
    from crm_platform.contacts.related import colleagues
    from crm_platform.customfields.service import values_for

    fields = fields_of("person")
    custom = [f.custom for f in fields if f.custom is not None]
    return {
        "inline_fields": fields,
        "custom_values": values_for(custom, [person.id]).get(person.id, {}),
        "tag_suggestions": tag_suggestions() if has_permission("records.edit") else [],
        "colleagues": colleagues(person),
    }
