"""Click-to-edit fields of the person and organization pages: which fields, and saving one.

Each field has a name used in its URL (``/people/7/inline/stage``); custom fields are
``cf_<key>``. :func:`save_field` validates the submitted inputs of one field and writes
them, or raises :class:`InlineError` with the message to show beside the inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import g

from crm_platform.contacts import services
from crm_platform.contacts.details import (
    DetailError,
    format_phone,
    EmailEntry,
    PhoneEntry,
    clean_tag_names,
    normalise_email,
    normalise_phone,
    set_emails,
    set_phones,
    set_tags,
)
from crm_platform.contacts.forms import normalize_website
from crm_platform.contacts.models import LIFECYCLE_STAGES, Organization, Person
from crm_platform.contacts.social import NETWORKS, SocialError, normalise_handle
from crm_platform.customfields.forms import form_values, read_form
from crm_platform.customfields.models import CustomField
from crm_platform.customfields.service import fields_for, set_values, validate_values
from crm_platform.models_base import utcnow
from crm_platform.numbers import is_digits


class InlineError(ValueError):
    """Input of one click-to-edit field that cannot be saved; the message is for the user."""


@dataclass(frozen=True)
class InlineField:
    """A field of a detail page that can be edited in place."""

    name: str
    label: str
    custom: CustomField | None = None


PERSON_FIELDS: tuple[InlineField, ...] = (
    InlineField("name", "Name"), InlineField("email", "Emails"), InlineField("phone", "Phones"),
    InlineField("stage", "Stage"), InlineField("owner", "Owner"), InlineField("source", "Source"),
    InlineField("tags", "Tags"), InlineField("website", "Website"), InlineField("address", "Address"),
    InlineField("social", "Social"),
)
ORGANIZATION_FIELDS: tuple[InlineField, ...] = (
    InlineField("name", "Name"), InlineField("industry", "Industry"), InlineField("website", "Website"),
    InlineField("location", "Location"),
)
LIMITS = {"first_name": 100, "last_name": 100, "source": 60, "street": 200, "postal_code": 20, "city": 120,
          "region": 120, "country": 120, "industry": 120, "name": 200}
ADDRESS = ("street", "postal_code", "city", "region", "country")


def fields_of(entity: str) -> list[InlineField]:
    """The click-to-edit fields of ``person`` or ``organization``, custom fields last."""
    base = PERSON_FIELDS if entity == "person" else ORGANIZATION_FIELDS
    return [*base, *(InlineField(f"cf_{f.key}", f.label, f) for f in fields_for(entity))]


def find_field(entity: str, name: str) -> InlineField | None:
    """The field called ``name`` (``cf_<key>`` for a custom field), or None."""
    return next((f for f in fields_of(entity) if f.name == name), None)


def _text(form: Mapping[str, Any], name: str) -> str:
    value = " ".join(str(form.get(name, "")).split()) if name != "street" else str(form.get(name, "")).strip()
    if len(value) > LIMITS.get(name, 255):
        raise InlineError(f"Use at most {LIMITS.get(name, 255)} characters.")
    return value


def _replace_primary(values: list[tuple[str, str, bool]], new: str, default_label: str) -> tuple[list, int]:
    """The entries with the primary one replaced by ``new`` (removed when blank)."""
    others = [(v, label) for v, label, primary in values if not primary]
    current = next(((v, label) for v, label, primary in values if primary), None)
    if not new:
        return others, 0
    return [(new, current[1] if current else default_label), *others], 0


def save_person_field(person: Person, field: InlineField, form: Mapping[str, Any]) -> None:
    """Validate and store one field of ``person`` from the submitted ``form``."""
    name = field.name
    if field.custom is not None:
        _save_custom("person", person.id, field.custom, form)
    elif name == "name":
        first, last = _text(form, "first_name"), _text(form, "last_name")
        if not (first or last):
            raise InlineError("Enter a first or a last name.")
        person.first_name, person.last_name = first, last
    elif name == "email":
        new = str(form.get("email", "")).strip()
        try:
            new = normalise_email(new) if new else ""
            rows, primary = _replace_primary([(e.email, e.label, e.is_primary) for e in person.emails], new, "work")
            set_emails(person, [EmailEntry(v, label) for v, label in rows], primary)
        except DetailError as error:
            raise InlineError(str(error)) from None
    elif name == "phone":
        region = getattr(g.get("company"), "phone_region", "") or None
        new = str(form.get("phone", "")).strip()
        try:
            new = normalise_phone(new, region) if new else ""
            rows, primary = _replace_primary([(p.number, p.label, p.is_primary) for p in person.phones], new, "mobile")
            set_phones(person, [PhoneEntry(v, label) for v, label in rows], primary)
        except DetailError as error:
            raise InlineError(str(error)) from None
    elif name == "stage":
        if form.get("lifecycle_stage") not in LIFECYCLE_STAGES:
            raise InlineError("Choose one of the stages.")
        person.lifecycle_stage = form["lifecycle_stage"]
    elif name == "owner":
        raw = str(form.get("owner_id", ""))
        if raw and (not is_digits(raw) or int(raw) not in services.member_ids()):
            raise InlineError("Choose a member of this company.")
        person.owner_id = int(raw) if raw else None
    elif name == "source":
        person.source = _text(form, "source")
    elif name == "website":
        person.website = _website(form)
    elif name == "address":
        for part in ADDRESS:
            setattr(person, part, _text(form, part))
    elif name == "tags":
        set_tags(person, clean_tag_names(str(form.get("tags", "")).split(",")))
    elif name == "social":
        social = {}
        for network in NETWORKS:
            try:
                handle = normalise_handle(network, str(form.get(f"social_{network.key}", "")))
            except SocialError as error:
                raise InlineError(str(error)) from None
            if handle:
                social[network.key] = handle
        person.social = social
    person.updated_at = utcnow()  # every save bumps the version, even tags and custom values


def save_organization_field(organization: Organization, field: InlineField, form: Mapping[str, Any]) -> None:
    """Validate and store one field of ``organization`` from the submitted ``form``."""
    if field.custom is not None:
        _save_custom("organization", organization.id, field.custom, form)
    elif field.name == "name":
        name = _text(form, "name")
        if not name:
            raise InlineError("Enter a name.")
        organization.name = name
    elif field.name == "industry":
        organization.industry = _text(form, "industry")
    elif field.name == "website":
        organization.website = _website(form)
    elif field.name == "location":
        organization.city, organization.country = _text(form, "city"), _text(form, "country")
    organization.updated_at = utcnow()


def _website(form: Mapping[str, Any]) -> str:
    try:
        value = normalize_website(str(form.get("website", "")))
    except ValueError as error:
        raise InlineError(str(error)) from None
    if len(value) > 255:
        raise InlineError("Use at most 255 characters.")
    return value


def _save_custom(entity: str, record_id: int, custom: CustomField, form: Any) -> None:
    rows, errors = validate_values([custom], read_form([custom], form))
    if errors:
        raise InlineError(errors[custom.key])
    set_values([custom], record_id, rows)


INPUTS: dict[str, tuple[str, ...]] = {
    "name": ("first_name", "last_name"), "email": ("email",), "phone": ("phone",), "stage": ("lifecycle_stage",),
    "owner": ("owner_id",), "source": ("source",), "tags": ("tags",), "website": ("website",), "address": ADDRESS,
    "social": tuple(f"social_{n.key}" for n in NETWORKS), "industry": ("industry",), "location": ("city", "country"),
}


def _current(record: Any, name: str) -> str:
    if name == "phone":
        return format_phone(record.phone) if record.phone else ""
    if name == "owner_id":
        return str(record.owner_id or "")
    if name == "tags":
        return ", ".join(tag.name for tag in record.tags)
    if name.startswith("social_"):
        return (record.social or {}).get(name.removeprefix("social_"), "")
    if name == "name" and isinstance(record, Person):
        return record.full_name
    return str(getattr(record, name, "") or "")


def edit_values(record: Any, field: InlineField, submitted: Any, custom_values: Mapping[str, Any]) -> dict[str, Any]:
    """``{input name: value}`` for the edit fragment: what was submitted, else the stored values."""
    if field.custom is not None:
        if submitted is not None:
            return read_form([field.custom], submitted)
        return form_values([field.custom], custom_values)
    names = INPUTS[field.name] if not (field.name == "name" and isinstance(record, Organization)) else ("name",)
    if submitted is not None:
        return {name: submitted.get(name, "") for name in names}
    return {name: _current(record, name) for name in names}
