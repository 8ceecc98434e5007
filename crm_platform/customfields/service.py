"""Define custom fields, validate their values and read or write them in batches.

Every query goes through the ORM session, so the tenancy layer limits it to the
current company.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy import delete, select, update

from crm_platform import company_cache
from crm_platform.customfields.models import ENTITIES, FIELD_TYPES, CustomField, CustomFieldValue
from crm_platform.extensions import db
from crm_platform.request_cache import forget, per_request
from crm_platform.tenancy import current_company_id

MAX_TEXT = 1000
MAX_OPTIONS = 100
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "on", "x", "checked"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "off"})


class CustomFieldError(ValueError):
    """A value that does not fit its field; the message says why, for the user."""


@dataclass(frozen=True)
class FieldDefinition:
    """A custom field as pages, filters, imports and exports read it (a plain copy of its row).

    Change a field through its ``CustomField`` row (``db.session.get(CustomField, id)``).
    """

    id: int
    entity: str
    key: str
    label: str
    field_type: str
    options: list[str]
    required: bool
    position: int


_DEFINITION_COLUMNS = (CustomField.id, CustomField.entity, CustomField.key, CustomField.label, CustomField.field_type,
                       CustomField.options, CustomField.required, CustomField.position)


def fields_for(entity: str) -> list[FieldDefinition]:
    """The current company's custom fields on ``entity`` (``person`` or ``organization``), in order.

    Kept by the process until a field is defined, changed or deleted (filters, columns
    and forms ask on every page; see :mod:`crm_platform.company_cache`).
    """
    def load() -> tuple[FieldDefinition, ...]:
        stmt = select(*_DEFINITION_COLUMNS).where(CustomField.entity == entity).order_by(CustomField.position, CustomField.id)
        return tuple(FieldDefinition(*row[:5], list(row[5] or ()), *row[6:]) for row in db.session.execute(stmt))

    def kept() -> tuple[FieldDefinition, ...]:
        return company_cache.cached("custom_fields", entity, load)

    return list(per_request("custom_fields", (current_company_id(), entity), kept))


def forget_fields() -> None:
    """Drop the request's cached field definitions (after a field was added, changed or deleted)."""
    forget("custom_fields")


def slugify_key(label: str) -> str:
    """A field key from its label: lower-case letters, digits and underscores."""
    key = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    return (key or "field")[:50]


def create_field(entity: str, label: str, field_type: str, options: Sequence[str] = (), required: bool = False,
                 key: str | None = None) -> CustomField:
    """Add a custom field; raises CustomFieldError for a bad type, entity, options or a taken key."""
    if entity not in ENTITIES:
        raise CustomFieldError(f"Unknown record type {entity!r}.")
    if field_type not in FIELD_TYPES:
        raise CustomFieldError(f"Unknown field type {field_type!r}.")
    label = label.strip()
    if not label:
        raise CustomFieldError("A field needs a label.")
    clean_options = clean_option_list(options) if field_type in ("select", "multiselect") else []
    if field_type in ("select", "multiselect") and not clean_options:
        raise CustomFieldError("A select field needs at least one option.")
    key = slugify_key(key or label)
    taken = {f.key for f in fields_for(entity)}
    if key in taken:
        raise CustomFieldError(f"A field with the key {key!r} exists already.")
    position = max((f.position for f in fields_for(entity)), default=0) + 1
    field = CustomField(entity=entity, key=key, label=label[:120], field_type=field_type, options=clean_options,
                        required=required, position=position)
    db.session.add(field)
    db.session.flush()
    forget_fields()
    return field


def clean_option_list(options: Iterable[str]) -> list[str]:
    """Options without blanks or duplicates, each at most 100 characters; at most 100 of them."""
    seen: list[str] = []
    for option in options:
        option = option.strip()[:100]
        if option and option not in seen:
            seen.append(option)
    return seen[:MAX_OPTIONS]


def field_row(field: CustomField | FieldDefinition) -> CustomField:
    """The ``CustomField`` row of ``field`` (a definition from :func:`fields_for`, or the row itself)."""
    if isinstance(field, CustomField):
        return field
    row = db.session.get(CustomField, field.id)
    if row is None:
        raise CustomFieldError("This field does not exist any more.")
    return row


def delete_field(field: CustomField | FieldDefinition) -> None:
    """Remove a field definition and every value stored for it."""
    field = field_row(field)
    db.session.execute(delete(CustomFieldValue).where(CustomFieldValue.field_id == field.id)
                       .execution_options(synchronize_session=False))
    db.session.delete(field)
    forget_fields()


def parse_value(field: CustomField, raw: Any) -> list[tuple[str, Decimal | None, date | None]]:
    """Normalise ``raw`` for ``field`` into value rows; an empty value gives ``[]``.

    Raises CustomFieldError with a message for the user when ``raw`` does not fit.
    """
    if field.field_type == "multiselect":
        items = raw if isinstance(raw, list | tuple) else [part for part in str(raw or "").split(";")]
        chosen = [str(item).strip() for item in items if str(item).strip()]
        unknown = [item for item in chosen if item not in field.options]
        if unknown:
            raise CustomFieldError(f"{', '.join(unknown)[:80]} is not one of the choices.")
        return [(item, None, None) for item in dict.fromkeys(chosen)]
    if field.field_type == "checkbox":
        if isinstance(raw, bool):
            return [("1" if raw else "0", None, None)]
        word = str(raw if raw is not None else "").strip().lower()
        if word in TRUE_WORDS:
            return [("1", None, None)]
        if word in FALSE_WORDS:
            return [("0", None, None)]
        raise CustomFieldError("Use yes or no.")
    text = "" if raw is None else str(raw).strip()
    if not text:
        return []
    if len(text) > MAX_TEXT:
        raise CustomFieldError(f"At most {MAX_TEXT} characters.")
    if field.field_type == "number":
        try:
            number = Decimal(text.replace(",", "")) if re.fullmatch(r"-?[\d,]*\.?\d+", text) else Decimal("x")
        except InvalidOperation:
            raise CustomFieldError("Enter a number.") from None
        if not number.is_finite() or abs(number) >= Decimal("1e14"):
            raise CustomFieldError("Enter a number.")
        number = number.quantize(Decimal("0.0001"))
        return [(format(number.normalize(), "f"), number, None)]
    if field.field_type == "date":
        try:
            day = date.fromisoformat(text[:10])
        except ValueError:
            raise CustomFieldError("Enter a date as YYYY-MM-DD.") from None
        return [(day.isoformat(), None, day)]
    if field.field_type == "select":
        if text not in field.options:
            raise CustomFieldError(f"{text[:80]} is not one of the choices.")
        return [(text, None, None)]
    if field.field_type == "url":
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CustomFieldError("Enter a web address starting with http:// or https://.")
    return [(text, None, None)]


def validate_values(fields: Sequence[CustomField], data: Mapping[str, Any]) -> tuple[dict[str, list], dict[str, str]]:
    """Check ``data`` (``{key: raw}``) against ``fields``.

    Returns ``(rows by key, errors by key)``; keys missing from ``data`` are left out of
    the rows (not cleared), except required fields, which are reported.
    """
    rows: dict[str, list] = {}
    errors: dict[str, str] = {}
    for field in fields:
        if field.key not in data:
            continue
        try:
            parsed = parse_value(field, data[field.key])
        except CustomFieldError as error:
            errors[field.key] = str(error)
            continue
        empty = not parsed or (field.field_type == "checkbox" and parsed[0][0] == "0")
        if field.required and empty:
            errors[field.key] = "This field is required."
            continue
        rows[field.key] = parsed
    return rows, errors


def set_values(fields: Sequence[CustomField], entity_id: int, rows: Mapping[str, list]) -> None:
    """Replace the stored values of the fields named in ``rows`` on record ``entity_id``."""
    by_key = {field.key: field for field in fields}
    field_ids = [by_key[key].id for key in rows if key in by_key]
    if not field_ids:
        return
    db.session.execute(
        delete(CustomFieldValue)
        .where(CustomFieldValue.entity_id == entity_id, CustomFieldValue.field_id.in_(field_ids))
        .execution_options(synchronize_session=False)
    )
    for key, parsed in rows.items():
        if key not in by_key:
            continue
        for value, number, day in parsed:
            db.session.add(CustomFieldValue(field_id=by_key[key].id, entity_id=entity_id, value=value,
                                            number_value=number, date_value=day))


# Built once: a page's field and record ids are two expanding parameters.
_VALUES = (
    select(CustomFieldValue.entity_id, CustomFieldValue.field_id, CustomFieldValue.value)
    .where(CustomFieldValue.field_id.in_(sa.bindparam("fields", expanding=True)),
           CustomFieldValue.entity_id.in_(sa.bindparam("entities", expanding=True)))
    .order_by(CustomFieldValue.id)
)


def values_for(fields: Sequence[CustomField], entity_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """``{record id: {key: value}}`` for ``entity_ids`` in one query.

    Multi-selects give a list, checkboxes a bool, every other type its text.
    """
    if not fields or not entity_ids:
        return {}
    by_id = {field.id: field for field in fields}
    result: dict[int, dict[str, Any]] = defaultdict(dict)
    for entity_id, field_id, value in db.session.execute(_VALUES, {"fields": list(by_id), "entities": list(entity_ids)}):
        field = by_id[field_id]
        if field.field_type == "multiselect":
            result[entity_id].setdefault(field.key, []).append(value)
        elif field.field_type == "checkbox":
            result[entity_id][field.key] = value == "1"
        else:
            result[entity_id][field.key] = value
    return dict(result)


def display_value(field: CustomField, value: Any) -> str:
    """A value as text for lists, exports and the detail page."""
    if value is None:
        return ""
    if field.field_type == "multiselect":
        return "; ".join(value)
    if field.field_type == "checkbox":
        return "Yes" if value else "No"
    return str(value)


def matching_ids(field: CustomField, value: str) -> sa.Select:
    """A sub-select of record ids whose ``field`` equals ``value`` (normalised), for filters."""
    parsed = parse_value(field, value)
    wanted = parsed[0][0] if parsed else ""
    return select(CustomFieldValue.entity_id).where(CustomFieldValue.field_id == field.id,
                                                    CustomFieldValue.value == wanted)


def delete_values_of(entity: str, entity_ids: Sequence[int]) -> None:
    """Forget every custom value of the given records (they are being deleted)."""
    field_ids = select(CustomField.id).where(CustomField.entity == entity)
    db.session.execute(
        delete(CustomFieldValue)
        .where(CustomFieldValue.field_id.in_(field_ids), CustomFieldValue.entity_id.in_(list(entity_ids)))
        .execution_options(synchronize_session=False)
    )


def move_values(entity: str, from_id: int, to_id: int, keys: Iterable[str] | None = None) -> None:
    """Give record ``to_id`` the values of ``from_id`` (all fields, or only ``keys``).

    Used by merges: the chosen fields' values of the merged record replace the
    survivor's; the merged record's other values are dropped.
    """
    fields = fields_for(entity)
    chosen = [f.id for f in fields if keys is None or f.key in set(keys)]
    if chosen:
        db.session.execute(
            delete(CustomFieldValue).where(CustomFieldValue.entity_id == to_id, CustomFieldValue.field_id.in_(chosen))
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(CustomFieldValue).where(CustomFieldValue.entity_id == from_id, CustomFieldValue.field_id.in_(chosen))
            .values(entity_id=to_id).execution_options(synchronize_session=False)
        )
    delete_values_of(entity, [from_id])


def update_field(field: CustomField | FieldDefinition, label: str, options: Sequence[str] = (), required: bool = False) -> None:
    """Change a field's label, choices (select types) and whether it is required; its key and type stay.

    Values already stored for a choice that was removed are kept (shown as they are).
    """
    field = field_row(field)
    label = label.strip()
    if not label:
        raise CustomFieldError("A field needs a label.")
    if field.field_type in ("select", "multiselect"):
        clean = clean_option_list(options)
        if not clean:
            raise CustomFieldError("A select field needs at least one option.")
        field.options = clean
    field.label = label[:120]
    field.required = bool(required)


def move_field(field: CustomField | FieldDefinition, direction: str) -> bool:
    """Swap the field with its neighbour above (``up``) or below (``down``); False at either end."""
    field = field_row(field)
    siblings = list(db.session.scalars(
        select(CustomField).where(CustomField.entity == field.entity).order_by(CustomField.position, CustomField.id)))
    for index, sibling in enumerate(siblings):  # positions become 1..n, so a swap always changes the order
        sibling.position = index + 1
    at = next(i for i, sibling in enumerate(siblings) if sibling.id == field.id)
    other = at - 1 if direction == "up" else at + 1
    if not 0 <= other < len(siblings):
        return False
    siblings[at].position, siblings[other].position = siblings[other].position, siblings[at].position
    forget_fields()
    return True
