"""Turning one row of cells into the values of a person, or a refusal with its reason."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from crm_platform.contacts.details import DetailError, clean_tag_names, normalise_email, normalise_phone
from crm_platform.contacts.models import LIFECYCLE_STAGES, Organization, Person
from crm_platform.customfields.models import CustomField
from crm_platform.customfields.service import CustomFieldError, parse_value
from crm_platform.dataio.mapping import CUSTOM_PREFIX

LIST_SPLIT = re.compile(r"[;,]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SCALAR_FIELDS: tuple[str, ...] = (
    "first_name", "last_name", "job_title", "street", "postal_code", "city", "region", "country", "website", "source",
)
MAX_LENGTHS = {name: Person.__table__.columns[name].type.length for name in SCALAR_FIELDS}
MAX_LENGTHS["organization"] = Organization.__table__.columns["name"].type.length


@dataclass
class Refusal:
    """Why a row cannot be imported."""

    row_number: int
    column: str
    reason: str


@dataclass
class PersonRow:
    """A row's values, checked and normalised, ready to create or update a person."""

    row_number: int
    values: dict[str, str] = field(default_factory=dict)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    organization: str = ""
    owner_id: int | None = None
    stage: str = ""
    tags: list[str] = field(default_factory=list)
    custom: dict[str, list] = field(default_factory=dict)

    def others(self) -> list[str]:
        """``field: value`` texts of the values the preview has no column for."""
        shown = {"first_name", "last_name", "job_title"}
        texts = [f"{k.replace('_', ' ')}: {v}" for k, v in self.values.items() if k not in shown]
        texts += [f"{key}: {', '.join(str(p[0]) for p in parsed)}" for key, parsed in self.custom.items()]
        return texts


@dataclass
class RowContext:
    """What checking rows needs from the company: its users, custom fields, the phone region."""

    headers: Sequence[str]
    mapping: Sequence[str]
    owners: dict[str, int]
    fields: Sequence[CustomField]
    region: str = ""
    max_cell: int = 10_000


def split_list(text: str) -> list[str]:
    """``a; b, c`` → ``[a, b, c]`` (blanks dropped)."""
    return [part.strip() for part in LIST_SPLIT.split(text) if part.strip()]


def split_name(full: str) -> tuple[str, str]:
    """``Ada King Lovelace`` → (``Ada King``, ``Lovelace``); ``Lovelace, Ada`` → (``Ada``, ``Lovelace``)."""
    full = " ".join(full.split())
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    first, _, last = full.rpartition(" ")
    return (first, last) if first else (full, "")


def parse_row(row_number: int, cells: Sequence[str], ctx: RowContext) -> PersonRow | Refusal:
    """Check one row against the mapping; the first problem found refuses the row."""
    headers, mapping = ctx.headers, ctx.mapping
    if len(cells) > len(headers) and any(c.strip() for c in cells[len(headers):]):
        return Refusal(row_number, "", f"The row has {len(cells)} cells but the header has {len(headers)} columns.")
    by_key = {f.key: f for f in ctx.fields}
    row = PersonRow(row_number)
    full_name = ""
    for index, target in enumerate(mapping):
        raw = cells[index] if index < len(cells) else ""
        header = headers[index]
        if len(raw) > ctx.max_cell:
            return Refusal(row_number, header, f"The cell has {len(raw):,} characters (at most {ctx.max_cell:,}).")
        text = raw.strip()
        if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
            text = text[1:]  # the formula guard of our own exports (and of many spreadsheets)
        if not target or not text:
            continue
        try:
            if target == "email":
                for part in split_list(text):
                    address = normalise_email(part)
                    if address.lower() not in {e.lower() for e in row.emails}:
                        row.emails.append(address)
            elif target == "phone":
                for part in re.split(r"[;,]", text):
                    if part.strip():
                        number = normalise_phone(part, ctx.region or None)
                        if number not in row.phones:
                            row.phones.append(number)
            elif target == "tags":
                row.tags = clean_tag_names([*row.tags, *split_list(text)])
            elif target == "full_name":
                full_name = text
            elif target == "organization":
                if len(text) > MAX_LENGTHS["organization"]:
                    raise DetailError(f"At most {MAX_LENGTHS['organization']} characters.")
                row.organization = " ".join(text.split())
            elif target == "owner_email":
                owner = ctx.owners.get(text.lower())
                if owner is None:
                    raise DetailError(f"Unknown owner {text[:80]!r}: no user of this company has that email.")
                row.owner_id = owner
            elif target == "lifecycle_stage":
                stage = text.lower()
                if stage not in LIFECYCLE_STAGES:
                    raise DetailError(f"Unknown stage {text[:40]!r} (use {', '.join(LIFECYCLE_STAGES)}).")
                row.stage = stage
            elif target.startswith(CUSTOM_PREFIX):
                custom = by_key[target.removeprefix(CUSTOM_PREFIX)]
                row.custom[custom.key] = parse_value(custom, text)
            else:
                if len(text) > MAX_LENGTHS[target]:
                    raise DetailError(f"At most {MAX_LENGTHS[target]} characters.")
                row.values[target] = text
        except (DetailError, CustomFieldError) as error:
            return Refusal(row_number, header, str(error))
    if full_name and not (row.values.get("first_name") or row.values.get("last_name")):
        first, last = split_name(full_name)
        if len(first) > MAX_LENGTHS["first_name"] or len(last) > MAX_LENGTHS["last_name"]:
            return Refusal(row_number, "", "The name is too long (at most 100 characters each for first and last name).")
        row.values["first_name"], row.values["last_name"] = first, last
    if not (row.values.get("first_name") or row.values.get("last_name") or row.emails):
        return Refusal(row_number, "", "The row has neither a name nor an email address.")
    missing = [f.label for f in ctx.fields if f.required and f.key not in row.custom and
               any(t == CUSTOM_PREFIX + f.key for t in mapping)]
    if missing:
        return Refusal(row_number, "", f"{missing[0]} is required.")
    return row


def keys_of(row: PersonRow) -> list[tuple[str, str]]:
    """Duplicate keys of a row: ``("email", lower-case address)`` and ``("phone", E.164)``."""
    return [("email", e.lower()) for e in row.emails] + [("phone", p) for p in row.phones]


def original_cells(cells: Sequence[Any], width: int) -> list[str]:
    """A row's cells padded or cut to the header's width (for the refused-rows file)."""
    padded = [str(c) for c in cells[:width]]
    return padded + [""] * (width - len(padded))
