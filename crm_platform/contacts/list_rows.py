"""The rows of a people page: plain read-only objects, filled by two queries per page.

A page of the people list shows 50 people with their organization, owner and tags.
Loading them as ORM objects cost about 4 ms a page (five statements and ~100
instances to track); plain rows built from two column queries cost a fraction of it.

A :class:`ListedPerson` has every column the list shows, sorts by or links to, and the
same ``full_name``. Reading any other attribute (``person.emails``, ``person.address``)
loads the full :class:`~crm_platform.contacts.models.Person` with one query and reads
it there, so code written for ``Person`` keeps working; code that shows another column
for a whole page should fetch it for all ids at once (see ``crm_person_list_columns``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from crm_platform.auth.models import User
from crm_platform.contacts.models import Organization, Person, PersonTag, Tag, person_display_name
from crm_platform.extensions import db


@dataclass(frozen=True, slots=True)
class ListedOrganization:
    """The organization shown on a list row."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class ListedOwner:
    """The owner shown on a list row."""

    id: int
    name: str | None
    email: str

    @property
    def display_name(self) -> str:
        """The same as :attr:`crm_platform.auth.models.User.display_name`."""
        return self.name or self.email


@dataclass(frozen=True, slots=True)
class ListedTag:
    """A tag shown on a list row."""

    id: int
    name: str


@dataclass(slots=True, eq=False)
class ListedPerson:
    """One person of a list page (read-only); other attributes come from the full ``Person``."""

    id: int
    company_id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    job_title: str
    lifecycle_stage: str
    organization_id: int | None
    owner_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int
    organization: ListedOrganization | None = None
    owner: ListedOwner | None = None
    tags: list[ListedTag] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        """The name to show, as :attr:`Person.full_name`."""
        return person_display_name(self.first_name, self.last_name, self.email, self.id)

    def record(self) -> Person:
        """The full ORM ``Person`` of this row (one query the first time in a request)."""
        person = db.session.get(Person, self.id)
        if person is None:  # trashed or deleted since the page was read
            raise LookupError(f"person {self.id} is no longer available")
        return person

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.record(), name)


# What a list row shows, sorts by or links to (the fields of ListedPerson, in order).
PERSON_COLUMNS = (Person.id, Person.company_id, Person.first_name, Person.last_name, Person.email, Person.phone,
                  Person.job_title, Person.lifecycle_stage, Person.organization_id, Person.owner_id,
                  Person.created_at, Person.updated_at, Person.version)


# Built once (a page's ids are one expanding parameter); the session's scoping applies when they run.
_PEOPLE = (
    sa.select(*PERSON_COLUMNS, Organization.name, User.name, User.email)
    .outerjoin(Organization, Organization.id == Person.organization_id)
    .outerjoin(User, User.id == Person.owner_id)
    .where(Person.id.in_(sa.bindparam("ids", expanding=True)))
)
_TAGS = (
    sa.select(PersonTag.person_id, Tag.id, Tag.name)
    .join(Tag, Tag.id == PersonTag.tag_id)
    .where(PersonTag.person_id.in_(sa.bindparam("ids", expanding=True)))
)


def people_by_ids(ids: Sequence[int]) -> list[ListedPerson]:
    """The people ``ids`` of the current company in that order, with organization, owner and tags.

    Two statements whatever the page size: the people joined by primary key to their
    organization and owner, then the page's tags. Ids of trashed people or of another
    company are left out (the session's scoping applies to both statements).
    """
    if not ids:
        return []
    width = len(PERSON_COLUMNS)
    by_id: dict[int, ListedPerson] = {}
    for row in db.session.execute(_PEOPLE, {"ids": list(ids)}):
        person = ListedPerson(*row[:width])
        org_name, owner_name, owner_email = row[width:]
        if person.organization_id is not None and org_name is not None:
            person.organization = ListedOrganization(person.organization_id, org_name)
        if person.owner_id is not None and owner_email is not None:
            person.owner = ListedOwner(person.owner_id, owner_name, owner_email)
        by_id[person.id] = person
    _attach_tags(by_id)
    return [by_id[i] for i in ids if i in by_id]


def _attach_tags(by_id: dict[int, ListedPerson]) -> None:
    """Fill ``tags`` (sorted by name, case-insensitively) of every row with one statement."""
    if not by_id:
        return
    for person_id, tag_id, name in db.session.execute(_TAGS, {"ids": list(by_id)}):
        by_id[person_id].tags.append(ListedTag(tag_id, name))
    for person in by_id.values():
        if len(person.tags) > 1:
            person.tags.sort(key=lambda tag: tag.name.lower())
