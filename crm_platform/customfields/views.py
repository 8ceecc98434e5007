"""Settings → Custom fields: list, add, edit, reorder and delete a company's fields.

Owners and admins only (``company.manage``). Fields apply at once: the forms and
detail pages read them on every request. Every change is written to the audit log.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_login import login_required
from sqlalchemy import select

from crm_platform.audit.service import record
from crm_platform.customfields import service
from crm_platform.customfields.models import ENTITIES, CustomField
from crm_platform.customfields.settings_forms import ENTITY_LABELS, TYPE_LABELS, FieldCreateForm, FieldEditForm
from crm_platform.errors import htmx_redirect
from crm_platform.extensions import db
from crm_platform.permissions import require_permission
from crm_platform.templating import render

bp = Blueprint("customfields", __name__, url_prefix="/settings/custom-fields", template_folder="templates")


def _field_or_404(custom_field_id: int) -> CustomField:
    return db.first_or_404(select(CustomField).where(CustomField.id == custom_field_id))


def _page(create_form: FieldCreateForm | None = None, status: int = 200, error: str | None = None) -> tuple[str, int]:
    return render(
        "customfields/settings.html", status=status, form=create_form or FieldCreateForm(formdata=None),
        groups=[(entity, ENTITY_LABELS[entity], service.fields_for(entity)) for entity in ENTITIES],
        type_labels=TYPE_LABELS, error=error,
    )


def _describe(field: CustomField) -> str:
    return f"{ENTITY_LABELS[field.entity]} · {field.label} ({TYPE_LABELS.get(field.field_type, field.field_type)})"


@bp.get("")
@login_required
@require_permission("company.manage")
def settings() -> tuple[str, int]:
    """The company's custom fields for people and organizations, and the form to add one."""
    return _page()


@bp.post("")
@login_required
@require_permission("company.manage")
def create() -> Response | tuple[str, int]:
    """Add a field; 422 with the error when the label, type or choices do not fit."""
    form = FieldCreateForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        field = service.create_field(form.entity.data, form.label.data, form.field_type.data, form.option_list(),
                                     form.required.data)
    except service.CustomFieldError as error:
        db.session.rollback()
        target = form.options if "option" in str(error) else form.label
        target.errors = [*target.errors, str(error)]
        return _page(form, status=422)
    record("custom_field_created", _describe(field))
    db.session.commit()
    flash(f"The field {field.label} was added.", "success")
    return htmx_redirect(url_for("customfields.settings"))


@bp.route("/<int:custom_field_id>/edit", methods=["GET", "POST"])
@login_required
@require_permission("company.manage")
def edit(custom_field_id: int) -> Response | tuple[str, int]:
    """Change a field's label, choices and whether it is required."""
    field = _field_or_404(custom_field_id)
    if request.method == "GET":
        form = FieldEditForm(formdata=None, label=field.label, options="\n".join(field.options), required=field.required)
        return render("customfields/edit.html", form=form, cf=field, type_labels=TYPE_LABELS)
    form = FieldEditForm()
    if form.validate_on_submit():
        before = _describe(field)
        try:
            service.update_field(field, form.label.data, form.option_list(), form.required.data)
        except service.CustomFieldError as error:
            db.session.rollback()
            form.options.errors = [*form.options.errors, str(error)]
        else:
            record("custom_field_changed", f"{before} → {field.label}, required: {'yes' if field.required else 'no'}"
                   + (f", choices: {'; '.join(field.options)}" if field.options else ""))
            db.session.commit()
            flash(f"The field {field.label} was saved.", "success")
            return htmx_redirect(url_for("customfields.settings"))
    return render("customfields/edit.html", form=form, cf=field, type_labels=TYPE_LABELS, status=422)


@bp.post("/<int:custom_field_id>/move")
@login_required
@require_permission("company.manage")
def move(custom_field_id: int) -> Response:
    """Move a field one place up or down (``direction=up|down``)."""
    field = _field_or_404(custom_field_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    if service.move_field(field, direction):
        record("custom_field_moved", f"{_describe(field)} {direction}")
    db.session.commit()
    return htmx_redirect(url_for("customfields.settings"))


@bp.post("/<int:custom_field_id>/delete")
@login_required
@require_permission("company.manage")
def delete(custom_field_id: int) -> Response:
    """Delete a field and every value stored for it (the page asks for confirmation first)."""
    field = _field_or_404(custom_field_id)
    description, label = _describe(field), field.label
    service.delete_field(field)
    record("custom_field_deleted", description)
    db.session.commit()
    flash(f"The field {label} and its values were deleted.", "success")
    return htmx_redirect(url_for("customfields.settings"))
