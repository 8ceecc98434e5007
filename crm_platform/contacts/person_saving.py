"""Saving the person form: validation of custom fields, tags, versions, and the page itself."""

from __future__ import annotations

from typing import Any

from flask import request


from crm_platform.contacts.details import all_tags, set_tags
from crm_platform.contacts.models import Person
from crm_platform.contacts.person_forms import PersonForm, blank_rows
from crm_platform.customfields.forms import form_values, read_form
from crm_platform.customfields.service import fields_for, set_values, validate_values, values_for
from crm_platform.models_base import utcnow
from crm_platform.templating import render

SOURCE_SUGGESTIONS: tuple[str, ...] = (
    "Website", "Referral", "Trade fair", "LinkedIn", "Newsletter", "Partner", "Event", "Cold call", "Advertising", "Import",
)


TAG_SUGGESTIONS = 300


def tag_suggestions(limit: int = TAG_SUGGESTIONS) -> list[str]:
    """Names of the company's tags for the tag input's suggestions (the first ``limit`` by name)."""
    return [tag.name for tag in all_tags()[:limit]]


class CustomValues:
    """The company's custom fields for one entity, with what the form sent and its errors."""

    def __init__(self, entity: str, record_id: int | None = None, submitted: bool = False) -> None:
        self.fields = fields_for(entity)
        self.rows: dict[str, list] = {}
        self.errors: dict[str, str] = {}
        if submitted:
            self.values = read_form(self.fields, request.form)
            self.rows, self.errors = validate_values(self.fields, self.values)
        else:
            stored = values_for(self.fields, [record_id]).get(record_id, {}) if record_id else {}
            self.values = form_values(self.fields, stored)

    def save(self, record_id: int) -> None:
        """Store the validated values on record ``record_id``."""
        set_values(self.fields, record_id, self.rows)


def form_page(form: PersonForm, person: Person | None, custom: CustomValues, status: int = 200,
              conflict: bool = False) -> tuple[str, int]:
    """The person form page (new or edit), with every error beside its field."""
    return render(
        "contacts/person_form.html", status=status, form=form, person=person, conflict=conflict,
        blank=blank_rows(form), custom_fields=custom.fields, custom_values=custom.values, custom_errors=custom.errors,
        tag_suggestions=tag_suggestions(), source_suggestions=SOURCE_SUGGESTIONS,
    )


def save_extras(person: Person, form: PersonForm, custom: CustomValues) -> None:
    """Tags and custom values (they need the person's id); the edit always bumps the version."""
    set_tags(person, form.tag_names())
    custom.save(person.id)
    person.updated_at = utcnow()


def is_stale(form_version: Any, record: Any) -> bool:
    """True when the form was opened on an older version of ``record`` than the stored one."""
    text = str(form_version or "").strip()
    return bool(text) and text != str(record.version)
