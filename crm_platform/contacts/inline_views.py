"""Click-to-edit on the person and organization pages (htmx fragments).

``GET …/inline/<field>`` returns the field's edit fragment (``?show=1``: its display
fragment, for Cancel and Escape); ``POST`` saves it and returns the display fragment,
422 with the error, or 409 when the record changed since the edit fragment was opened
(its ``version``): the conflict fragment shows the current value, who changed it and
when, and saving from it is a deliberate overwrite.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_login import login_required

from crm_platform.contacts import services
from crm_platform.contacts.blueprint import bp
from crm_platform.contacts.inline_fields import (
    InlineError,
    edit_values,
    find_field,
    save_organization_field,
    save_person_field,
)
from crm_platform.contacts.person_saving import is_stale
from crm_platform.customfields.service import fields_for, values_for
from crm_platform.extensions import db
from crm_platform.permissions import has_permission, require_permission
from crm_platform.templating import render

SAVERS = {"person": save_person_field, "organization": save_organization_field}


def _record(entity: str, record_id: int) -> Any:
    return services.get_person(record_id) if entity == "person" else services.get_organization(record_id)


def _fragment(entity: str, record: Any, field: Any, mode: str, status: int = 200, error: str | None = None,
              submitted: Any = None) -> tuple[str, int]:
    custom = values_for(fields_for(entity), [record.id]).get(record.id, {})
    return render(
        "contacts/_inline_fragment.html", status=status, entity=entity, record=record, f=field, mode=mode,
        error=error, custom_values=custom, values=edit_values(record, field, submitted, custom),
        members=services.member_choices() if field.name == "owner" else [],
        **({"person": record} if entity == "person" else {"organization": record}),
    )


def _inline(entity: str, record_id: int, field_name: str) -> tuple[str, int]:
    record = _record(entity, record_id)
    field = find_field(entity, field_name)
    if field is None:
        abort(404)
    if request.method == "GET":
        if request.args.get("show") or not has_permission("records.edit"):
            return _fragment(entity, record, field, "display")
        return _fragment(entity, record, field, "edit")
    if not has_permission("records.edit"):
        abort(403)
    if is_stale(request.form.get("version"), record):
        return _fragment(entity, record, field, "conflict", status=409, submitted=request.form)
    person = entity == "person"
    before = services.snapshot(record, services.PERSON_FIELDS if person else services.ORGANIZATION_FIELDS)
    try:
        SAVERS[entity](record, field, request.form)
        db.session.flush()
        (services.update_person if person else services.update_organization)(record, before)
    except InlineError as error:
        db.session.rollback()
        record = _record(entity, record_id)
        return _fragment(entity, record, field, "edit", status=422, error=str(error), submitted=request.form)
    db.session.commit()
    return _fragment(entity, record, field, "saved")


@bp.route("/people/<int:person_id>/inline/<field_name>", methods=["GET", "POST"])
@login_required
@require_permission("records.view")
def person_inline(person_id: int, field_name: str) -> tuple[str, int]:
    """One field of a person: its edit or display fragment (GET), or save it (POST)."""
    return _inline("person", person_id, field_name)


@bp.route("/organizations/<int:organization_id>/inline/<field_name>", methods=["GET", "POST"])
@login_required
@require_permission("records.view")
def organization_inline(organization_id: int, field_name: str) -> tuple[str, int]:
    """One field of an organization: its edit or display fragment (GET), or save it (POST)."""
    return _inline("organization", organization_id, field_name)
