"""Reading custom field inputs from a submitted form (``cf_<key>`` names)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crm_platform.customfields.models import CustomField

PREFIX = "cf_"


def input_name(field: CustomField) -> str:
    """The form input name of a custom field (``cf_<key>``)."""
    return PREFIX + field.key


def read_form(fields: Sequence[CustomField], formdata: Any) -> dict[str, Any]:
    """``{key: raw value}`` for every field, as :func:`validate_values` expects.

    Multi-selects give the list of ticked choices; an unticked checkbox is ``"0"``
    (browsers send nothing for it).
    """
    data: dict[str, Any] = {}
    for field in fields:
        name = input_name(field)
        if field.field_type == "multiselect":
            data[field.key] = [value for value in formdata.getlist(name) if value]
        elif field.field_type == "checkbox":
            data[field.key] = "1" if formdata.get(name) else "0"
        else:
            data[field.key] = formdata.get(name, "")
    return data


def form_values(fields: Sequence[CustomField], stored: Mapping[str, Any]) -> dict[str, Any]:
    """Stored values (from :func:`values_for`) in the shape the input macros show."""
    values: dict[str, Any] = {}
    for field in fields:
        value = stored.get(field.key)
        if field.field_type == "multiselect":
            values[field.key] = list(value or [])
        elif field.field_type == "checkbox":
            values[field.key] = "1" if value else "0"
        else:
            values[field.key] = value or ""
    return values
