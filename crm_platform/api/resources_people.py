"""People through the API: the people list's search and filters, tags and custom fields.

Changes go through :mod:`crm_platform.contacts.services` (plugins hear about them as
they do for the UI; primary email, phone and organization lists stay in sync). The
``emails`` and ``phones`` lists are stored by the same code as the person form
(:func:`crm_platform.contacts.details.set_emails` / ``set_phones``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm_platform.api import schemas
from crm_platform.api.framework import ApiValidationError, api_page
from crm_platform.api.resources_contacts import check_links
from crm_platform.contacts import details, services
from crm_platform.contacts.models import Person, PersonTag, Tag
from crm_platform.contacts.pagination import Page
from crm_platform.customfields import service as customfields
from crm_platform.models_base import utcnow
from crm_platform.plugins.types import ApiResource

OWN_FIELDS = ("tags", "custom_fields")
LIST_FIELDS = ("emails", "phones")
# (single field, its list, what one entry is called in messages)
CONTACT_LISTS = (("email", "emails", "email address"), ("phone", "phones", "phone number"))


def list_people(query: schemas.PersonQuery) -> Page[Person]:
    """People by name, searched like the people list (``q``) and filtered."""
    stmt = services.people_select(query.q, query.lifecycle_stage, query.organization_id)
    if query.owner_id is not None:
        stmt = stmt.where(Person.owner_id == query.owner_id)
    if query.updated_since is not None:
        stmt = stmt.where(Person.updated_at >= query.updated_since)
    if query.tag:
        tagged = select(PersonTag.person_id).join(Tag, Tag.id == PersonTag.tag_id).where(func.lower(Tag.name) == query.tag.lower())
        stmt = stmt.where(Person.id.in_(tagged))
    stmt = stmt.options(selectinload(Person.emails), selectinload(Person.phones), selectinload(Person.tags))
    return api_page(stmt, (Person.last_name, Person.first_name, Person.id), query)


def prepare_people(people: Sequence[Person]) -> None:
    """Custom field values of a page of people in one query (``custom_fields`` in the output)."""
    fields = customfields.fields_for("person")
    values = customfields.values_for(fields, [person.id for person in people])
    for person in people:
        person.api_custom_fields = values.get(person.id, {})


def _custom_rows(data: Any, creating: bool) -> tuple[list[Any], dict[str, list]]:
    """Validate ``custom_fields``: unknown keys, bad values and (on create) missing required ones are 422."""
    fields = customfields.fields_for("person")
    sent = data.custom_fields if "custom_fields" in data.model_fields_set and data.custom_fields is not None else {}
    known = {field.key for field in fields}
    errors = {f"custom_fields.{key}": ["No custom field with this key."] for key in sent if key not in known}
    rows, problems = customfields.validate_values(fields, sent)
    errors.update({f"custom_fields.{key}": [message] for key, message in problems.items()})
    if creating:
        for field in fields:
            if field.required and field.key not in sent:
                errors[f"custom_fields.{field.key}"] = ["This field is required."]
    if errors:
        raise ApiValidationError(errors)
    return fields, rows


def _set_extras(person: Person, data: Any, fields: list[Any], rows: dict[str, list]) -> None:
    if "tags" in data.model_fields_set:
        details.set_tags(person, data.tags or [])
    if rows:
        customfields.set_values(fields, person.id, rows)


def _check_contact_lists(data: Any) -> None:
    """``email`` with ``emails`` (or ``phone`` with ``phones``) is ambiguous; at most one primary per list."""
    sent = data.model_fields_set
    errors: dict[str, list[str]] = {}
    for single, many, noun in CONTACT_LISTS:
        if single in sent and many in sent:
            errors[single] = [f"Send either {single} or {many}, not both."]
        flagged = [index for index, entry in enumerate(getattr(data, many) or []) if entry.primary]
        for index in flagged[1:]:
            errors[f"{many}[{index}].primary"] = [f"Only one {noun} can be primary."]
    if errors:
        raise ApiValidationError(errors)


def _set_contact_lists(person: Person, data: Any) -> None:
    """Replace the emails and phones sent as lists; the same address or number twice is a 422 on that entry."""
    from flask import g

    sent = data.model_fields_set & set(LIST_FIELDS)
    errors: dict[str, list[str]] = {}
    for many, field, setter, entry_type in (
        ("emails", "email", details.set_emails, details.EmailEntry),
        ("phones", "number", details.set_phones, details.PhoneEntry),
    ):
        if many not in sent:
            continue
        given = getattr(data, many)
        primary = next((index for index, entry in enumerate(given) if entry.primary), 0)
        entries = [entry_type(getattr(entry, field), entry.label) for entry in given]
        try:
            if many == "phones":
                setter(person, entries, primary, region=getattr(g.get("company"), "phone_region", "") or "")
            else:
                setter(person, entries, primary)
        except details.DetailError as error:
            key = f"{many}[{error.index}].{field}" if error.index is not None else many
            errors[key] = [str(error)]
    if errors:
        raise ApiValidationError(errors)
    if sent:
        person.updated_at = utcnow()  # a new version even when only a second address changed


def create_person(data: schemas.PersonCreate) -> Person:
    """A new person (``crm_person_created`` is called), with emails, phones, tags and custom field values."""
    if not (data.first_name or data.last_name):
        raise ApiValidationError.one("first_name", "Enter a first or a last name.")
    check_links(data)
    _check_contact_lists(data)
    fields, rows = _custom_rows(data, creating=True)
    person = Person(**data.model_dump(exclude={*OWN_FIELDS, *LIST_FIELDS}))
    _set_contact_lists(person, data)
    services.create_person(person)
    _set_extras(person, data, fields, rows)
    return person


def update_person(person: Person, data: Any) -> None:
    """Apply the fields sent (``crm_person_updated`` is called with the changes)."""
    check_links(data)
    for name in data.model_fields_set - set(OWN_FIELDS):
        value = getattr(data, name)
        if value is None and name not in ("organization_id", "owner_id"):
            raise ApiValidationError.one(name, "This field may not be null.")
    _check_contact_lists(data)
    fields, rows = _custom_rows(data, creating=False)
    before = services.snapshot(person, services.PERSON_FIELDS)
    for name in data.model_fields_set - {*OWN_FIELDS, *LIST_FIELDS}:
        setattr(person, name, getattr(data, name))
    if not (person.first_name or person.last_name):
        raise ApiValidationError.one("first_name", "Enter a first or a last name.")
    _set_contact_lists(person, data)
    services.update_person(person, before)
    _set_extras(person, data, fields, rows)


RESOURCES: list[ApiResource] = [
    ApiResource(
        name="people", model=Person, schema=schemas.Person, title="People",
        description="Contacts. `q` searches names, emails, phones and organization names; `tag` filters by tag.",
        list=list_people, query_schema=schemas.PersonQuery, prepare=prepare_people,
        create=create_person, create_schema=schemas.PersonCreate,
        update=update_person, update_schema=schemas.PersonUpdate,
        delete=services.delete_person,
    ),
]
