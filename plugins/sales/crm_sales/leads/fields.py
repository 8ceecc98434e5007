"""Cleaning and checking the fields of a lead, shared by the web form, the manual form and the CSV import."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+()\-. /]*$")
LIMITS: dict[str, int] = {
    "name": 200, "email": 255, "phone": 40, "organization_name": 200, "source": 60, "message": 5000,
}
LABELS: dict[str, str] = {
    "name": "Name", "email": "Email", "phone": "Phone", "organization_name": "Organization",
    "source": "Source", "message": "Message",
}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_lead(data: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """``(values, errors)`` for raw lead input: trimmed text, and a message per bad field.

    A lead needs a name and a way to reach them (email or phone). Control characters are
    removed; nothing longer than the column is accepted.
    """
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, limit in LIMITS.items():
        raw = data.get(name)
        text = CONTROL.sub("", str(raw if raw is not None else ""))
        text = text.strip() if name == "message" else " ".join(text.split())
        if len(text) > limit:
            errors[name] = f"{LABELS[name]} is longer than {limit} characters."
        values[name] = text[:limit]
    if not values["name"] and "name" not in errors:
        errors["name"] = "Enter a name."
    if values["email"] and "email" not in errors and not EMAIL.match(values["email"]):
        errors["email"] = "Enter a valid email address."
    if values["phone"] and "phone" not in errors and not PHONE.match(values["phone"]):
        errors["phone"] = "Use digits, spaces and + ( ) - . / only."
    if not values["email"] and not values["phone"] and "email" not in errors:
        errors["email"] = "Enter an email address or a phone number."
    return values, errors
