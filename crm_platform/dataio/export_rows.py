"""The columns of a people export and the rows, read in partitions (a few queries per 500 people)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from crm_platform.contacts.models import Person, PersonOrganization
from crm_platform.customfields.models import CustomField
from crm_platform.customfields.service import display_value, values_for
from crm_platform.extensions import db

PARTITION = 500
BASE_HEADER: tuple[str, ...] = (
    "ID", "First name", "Last name", "Emails", "Phones", "Organization", "Job title", "Other organizations",
    "Street", "Postal code", "City", "Region", "Country", "Website", "Social", "Owner", "Tags", "Source", "Stage",
    "Created", "Updated",
)


def header(fields: list[CustomField]) -> list[str]:
    """Column names: the person's fields, then one per custom field (its label)."""
    return [*BASE_HEADER, *[f.label for f in fields]]


def person_row(person: Person, custom: dict[str, Any], fields: list[CustomField]) -> list[Any]:
    """One person as export cells (lists joined with ``; `` so the importer can read them back)."""
    others = [m for m in person.memberships if not m.is_primary]
    return [
        person.id, person.first_name, person.last_name,
        "; ".join(e.email for e in person.emails) or person.email,
        "; ".join(p.number for p in person.phones) or person.phone,
        person.organization.name if person.organization else "", person.job_title,
        "; ".join(_membership(m) for m in others),
        person.street, person.postal_code, person.city, person.region, person.country, person.website,
        "; ".join(f"{network}: {handle}" for network, handle in sorted((person.social or {}).items())),
        person.owner.email if person.owner else "",
        "; ".join(tag.name for tag in person.tags), person.source, person.lifecycle_stage,
        _iso(person.created_at), _iso(person.updated_at),
        *[display_value(f, custom.get(f.key)) for f in fields],
    ]


def _membership(membership: PersonOrganization) -> str:
    name = membership.organization.name if membership.organization else ""
    return f"{name} ({membership.role})" if membership.role else name


def _iso(value: Any) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def rows(stmt: Select, fields: list[CustomField]) -> Iterator[list[Any]]:
    """Every person of ``stmt`` as cells, streamed in partitions of 500."""
    stmt = stmt.options(
        selectinload(Person.emails), selectinload(Person.phones), selectinload(Person.memberships),
        selectinload(Person.tags),
    ).execution_options(yield_per=PARTITION)
    for partition in db.session.scalars(stmt).partitions():
        custom = values_for(fields, [p.id for p in partition])
        for person in partition:
            yield person_row(person, custom.get(person.id, {}), fields)

