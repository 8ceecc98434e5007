"""Related records on the detail pages: a person's colleagues, an organization's people."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, union

from crm_platform.contacts.models import Organization, Person, PersonOrganization, person_display_name
from crm_platform.extensions import db

COLLEAGUES = 8
ORGANIZATION_PEOPLE = 50


@dataclass(frozen=True)
class Colleague:
    """Another person at one of a person's organizations, as the detail page lists them."""

    id: int
    full_name: str
    job_title: str
    organization_name: str | None


def colleagues(person: Person, limit: int = COLLEAGUES) -> list[Colleague]:
    """Other people at the person's organizations, by name (at most ``limit``), in one statement."""
    org_ids = [m.organization_id for m in person.memberships]
    if not org_ids:
        return []
    members = select(PersonOrganization.person_id).where(PersonOrganization.organization_id.in_(org_ids))
    stmt = (
        select(Person.id, Person.first_name, Person.last_name, Person.email, Person.job_title, Organization.name)
        .outerjoin(Organization, Organization.id == Person.organization_id)
        .where(Person.id.in_(members), Person.id != person.id)
        .order_by(Person.last_name, Person.first_name, Person.id).limit(limit)
    )
    return [Colleague(row_id, person_display_name(first, last, email, row_id), job_title or "", org_name)
            for row_id, first, last, email, job_title, org_name in db.session.execute(stmt)]


def organization_people(organization: Organization, limit: int = ORGANIZATION_PEOPLE) -> tuple[list[tuple[Person, str, bool]], bool]:
    """``(person, role, is primary)`` of the organization's people by name, and whether there are more.

    People count as members through a membership row, or through ``Person.organization_id``
    alone (records written by code that only sets the primary organization).
    """
    ids = union(
        select(PersonOrganization.person_id).where(PersonOrganization.organization_id == organization.id),
        select(Person.id).where(Person.organization_id == organization.id),
    ).subquery()
    stmt = select(Person).where(Person.id.in_(select(ids.c[0]))).order_by(Person.last_name, Person.first_name, Person.id)
    people = list(db.session.scalars(stmt.limit(limit + 1)))
    roles = {
        person_id: (role, primary)
        for person_id, role, primary in db.session.execute(
            select(PersonOrganization.person_id, PersonOrganization.role, PersonOrganization.is_primary).where(
                PersonOrganization.organization_id == organization.id,
                PersonOrganization.person_id.in_([p.id for p in people]),
            )
        )
    } if people else {}
    rows = [(p, *roles.get(p.id, (p.job_title, True))) for p in people[:limit]]
    return rows, len(people) > limit
