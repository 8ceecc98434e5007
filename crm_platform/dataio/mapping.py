"""Which column of a file goes into which field of a person: targets, guesses, checks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from crm_platform.customfields.models import CustomField

CUSTOM_PREFIX = "cf:"
# Targets a file may map from several columns (each cell may also hold a list split by ; or ,).
MULTI_TARGETS = frozenset({"email", "phone", "tags"})
NAME_TARGETS = frozenset({"first_name", "last_name", "full_name"})


@dataclass(frozen=True)
class Target:
    """A field a column can be imported into, with the header names that suggest it."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()


TARGETS: tuple[Target, ...] = (
    Target("first_name", "First name", ("first name", "firstname", "given name", "forename", "first", "prenom", "vorname")),
    Target("last_name", "Last name", ("last name", "lastname", "surname", "family name", "last", "nom", "nachname")),
    Target("full_name", "Full name (split in two)", ("name", "full name", "fullname", "contact", "contact name", "person")),
    Target("email", "Email (one or more)", ("email", "e mail", "email address", "emails", "mail", "work email",
                                            "home email", "other emails", "email 2", "secondary email")),
    Target("phone", "Phone (one or more)", ("phone", "phones", "telephone", "tel", "mobile", "cell", "phone number",
                                            "mobile phone", "work phone", "home phone", "other phones", "phone 2")),
    Target("organization", "Organization", ("organization", "organisation", "company", "company name", "employer",
                                            "account", "org")),
    Target("job_title", "Role / job title", ("job title", "title", "role", "position", "job")),
    Target("street", "Street", ("street", "address", "street address", "address line 1", "address 1")),
    Target("postal_code", "Postal code", ("postal code", "postcode", "zip", "zip code", "postal")),
    Target("city", "City", ("city", "town", "locality")),
    Target("region", "Region / state", ("region", "state", "province", "county")),
    Target("country", "Country", ("country", "country name")),
    Target("website", "Website", ("website", "web", "url", "homepage", "site")),
    Target("owner_email", "Owner (user's email)", ("owner", "owner email", "assigned to", "account owner", "sales rep")),
    Target("tags", "Tags (separated by ; or ,)", ("tags", "tag", "labels", "label", "groups")),
    Target("source", "Source", ("source", "lead source", "origin")),
    Target("lifecycle_stage", "Stage", ("stage", "lifecycle stage", "lifecycle", "status")),
)
TARGET_LABELS = {target.key: target.label for target in TARGETS}


class MappingError(ValueError):
    """A mapping that cannot be imported; the message is for the user."""


def normalise_header(text: str) -> str:
    """A header reduced to lower-case words (``E-Mail_Address`` → ``e mail address``)."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", (text or "").lower()).split())


def choices(fields: Sequence[CustomField]) -> list[tuple[str, str]]:
    """``(value, label)`` for the mapping select boxes: ignore, the person fields, custom fields."""
    options = [("", "— ignore this column —")]
    options += [(target.key, target.label) for target in TARGETS]
    options += [(CUSTOM_PREFIX + field.key, f"{field.label} (custom field)") for field in fields]
    return options


def guess(headers: Sequence[str], fields: Sequence[CustomField]) -> list[str]:
    """A target per header from its name (custom fields by key or label); each single target once."""
    lookup: dict[str, str] = {}
    for target in TARGETS:
        for alias in (target.key.replace("_", " "), *target.aliases):
            lookup.setdefault(normalise_header(alias), target.key)
    for field in fields:
        for name in (field.key, field.label, f"cf {field.key}"):
            lookup.setdefault(normalise_header(name), CUSTOM_PREFIX + field.key)
    taken: set[str] = set()
    result = []
    for header in headers:
        target = lookup.get(normalise_header(header), "")
        if target and target not in MULTI_TARGETS and target in taken:
            target = ""
        taken.add(target)
        result.append(target)
    return result


def check(mapping: Sequence[str], headers: Sequence[str], fields: Sequence[CustomField]) -> list[str]:
    """The mapping cleaned (unknown targets refused); raises MappingError with every problem."""
    known = {key for key, _ in choices(fields)}
    problems = []
    if len(mapping) != len(headers):
        raise MappingError("Choose a field (or “ignore”) for every column.")
    seen: dict[str, str] = {}
    for header, target in zip(headers, mapping, strict=True):
        if target not in known:
            problems.append(f"Column “{header}”: choose a field from the list.")
        elif target and target not in MULTI_TARGETS and target in seen:
            problems.append(f"Columns “{seen[target]}” and “{header}” both go into {label_of(target, fields)}; "
                            "choose one.")
        seen.setdefault(target, header)
    if not ({"email"} | NAME_TARGETS) & set(mapping):
        problems.append("Missing required columns: map at least a name (first, last or full name) or an email column.")
    if problems:
        raise MappingError(" ".join(problems))
    return list(mapping)


def label_of(target: str, fields: Sequence[CustomField]) -> str:
    """The label of a mapping target, for messages."""
    if target.startswith(CUSTOM_PREFIX):
        key = target.removeprefix(CUSTOM_PREFIX)
        return next((f.label for f in fields if f.key == key), key)
    return TARGET_LABELS.get(target, target)
