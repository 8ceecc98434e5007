"""Related records on the detail pages: a person's colleagues, an organization's people."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm_platform.contacts.models import Organization, Person, PersonOrganization
from crm_platform.extensions import db

COLLEAGUES = 8
ORGANIZATION_PEOPLE = 50


def colleagues(person: Person, limit: int = COLLEAGUES) -> list[Person]:
    """Other people at the person's organizations, by name (at most ``limit``)."""
    org_ids = [m.organization_id for m in person.memberships]
    if not org_ids:
        return []
    members = select(PersonOrganization.person_id).where(PersonOrganization.organization_id.in_(org_ids))
    stmt = (
        select(Person).where(Person.id.in_(members), Person.id != person.id)
        .order_by(Person.last_name, Person.first_name, Person.id).limit(limit)
    )
    return list(db.session.scalars(stmt))


def organization_people(organization: Organization, limit: int = ORGANIZATION_PEOPLE) -> tuple[list[tuple[Person, str, bool]], bool]:
    """``(person, role, is primary)`` of the organization's members by name, and whether there are more."""
    stmt = (
        select(Person, PersonOrganization.role, PersonOrganization.is_primary)
        .join(PersonOrganization, PersonOrganization.person_id == Person.id)
        .where(PersonOrganization.organization_id == organization.id)
        .order_by(Person.last_name, Person.first_name, Person.id)
        .limit(limit + 1)
    )
    rows: list[Any] = [tuple(row) for row in db.session.execute(stmt)]
    return rows[:limit], len(rows) > limit
