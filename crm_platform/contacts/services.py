"""Queries and changes on people, organizations and activities.

Every query here goes through the ORM session, so :mod:`crm_platform.tenancy` limits
it to the current company; nothing in this module names a company itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload, selectinload
from flask import abort, g, url_for
from flask_login import current_user
from sqlalchemy import delete, func, or_, select

from crm_platform.auth.models import User
from crm_platform.companies.models import Membership
from crm_platform.contacts import editors  # noqa: F401  (stamps updated_by on every change)
from crm_platform.contacts.models import LIFECYCLE_STAGES, Activity, Organization, Person
from crm_platform.contacts.details import sync_primary_contacts, sync_primary_membership
from crm_platform.contacts.pagination import Page, keyset_page
from crm_platform.customfields.service import delete_values_of
from crm_platform.extensions import db
from crm_platform.plugins import runtime
from crm_platform.plugins.types import SearchResult
from crm_platform import company_cache
from crm_platform.request_cache import per_request
from crm_platform.tenancy import current_company_id

PAGE_SIZE = 50
# A detail page opens with its newest timeline entries; "Older entries" loads the next ones.
TIMELINE_SIZE = 20
FEED_SIZE = 50  # the company feed is read as a list: a longer page
ORG_PEOPLE_SIZE = 50
MAX_SEARCH_TERMS = 8
ACTIVITY_ADMIN_ROLES = frozenset({"owner", "admin"})
PERSON_FIELDS: tuple[str, ...] = (
    "first_name", "last_name", "email", "phone", "job_title", "lifecycle_stage", "organization_id", "owner_id",
)
ORGANIZATION_FIELDS: tuple[str, ...] = ("name", "website", "industry", "city", "country")


def like_pattern(term: str) -> str:
    """A ``LIKE`` pattern matching ``term`` anywhere, with ``%``, ``_`` and ``\\`` taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_terms(q: str | None) -> list[str]:
    """Split a search box entry into words (each must match somewhere)."""
    return (q or "").split()[:MAX_SEARCH_TERMS]


def _matches_any(term: str, columns: Iterable[Any]) -> sa.ColumnElement[bool]:
    pattern = like_pattern(term)
    return or_(*[column.ilike(pattern, escape="\\") for column in columns])


# People ---------------------------------------------------------------------------


def people_page(
    q: str | None = None,
    stage: str | None = None,
    organization_id: int | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> Page[Person]:
    """People sorted by (last name, first name, id), filtered, one keyset page.

    Every search word must be the start of a word of the name, an email, a phone
    number or an organization of the person (full-text, see
    :mod:`crm_platform.contacts.search_index`). The people list itself uses
    :mod:`crm_platform.contacts.listing`, which has every filter and sort.
    """
    from crm_platform.contacts.listing import build_people_listing, listing_page

    args = {"q": q or "", "stage": stage or "", "organization": "" if organization_id is None else str(organization_id)}
    return listing_page(build_people_listing(args), cursor, limit)


def people_select(q: str | None = None, stage: str | None = None, organization_id: int | None = None) -> sa.Select[Any]:
    """The query behind :func:`people_page` (search and filters, no order): the API adds its own filters."""
    from crm_platform.contacts.listing import build_people_listing

    args = {"q": q or "", "stage": stage or "", "organization": "" if organization_id is None else str(organization_id)}
    return build_people_listing(args).statement


def get_person(person_id: int, with_contact_details: bool = False) -> Person:
    """The person with ``person_id`` in the current company, else 404.

    ``with_contact_details``: load the emails and phones in the same statement (the
    detail page shows both; a person has only a few of each).
    """
    stmt = select(Person).where(Person.id == person_id)
    if not with_contact_details:
        return db.first_or_404(stmt)
    found = db.session.scalars(stmt.options(joinedload(Person.emails), joinedload(Person.phones))).unique().first()
    if found is None:
        abort(404)
    return found


def get_organization(organization_id: int) -> Organization:
    """The organization with ``organization_id`` in the current company, else 404."""
    return db.first_or_404(select(Organization).where(Organization.id == organization_id))


def find_organization(organization_id: int | None) -> Organization | None:
    """The organization with ``organization_id`` in the current company, or None."""
    if organization_id is None:
        return None
    return db.session.scalars(select(Organization).where(Organization.id == organization_id)).first()


ORGANIZATION_CHOICES = 200


def organization_choices(
    selected: int | None = None, q: str | None = None, limit: int = ORGANIZATION_CHOICES
) -> tuple[list[tuple[int, str]], bool]:
    """Up to ``limit`` ``(id, name)`` pairs by name (matching ``q``), always with ``selected``.

    Returns the pairs and whether more organizations exist: a company with thousands of
    organizations gets a search box instead of one huge select box.
    """
    stmt = select(Organization.id, Organization.name).order_by(Organization.name, Organization.id).limit(limit + 1)
    for term in search_terms(q):
        stmt = stmt.where(Organization.name.ilike(like_pattern(term), escape="\\"))
    pairs = [(row.id, row.name) for row in db.session.execute(stmt)]
    more = len(pairs) > limit
    pairs = pairs[:limit]
    if selected is not None and all(key != selected for key, _ in pairs):
        chosen = find_organization(selected)
        if chosen is not None:
            pairs.insert(0, (chosen.id, chosen.name))
    return pairs, more


def member_choices() -> list[tuple[int, str]]:
    """``(user id, name)`` of every member of the current company, for the owner select.

    Kept by the process until a membership or a member's name changes (the list filter,
    the bulk bar and the timeline composer all ask); a copy is returned so callers may
    change theirs.
    """
    def load() -> list[tuple[int, str]]:
        rows = db.session.execute(
            select(Membership.user_id, User.name, User.email).join(User, User.id == Membership.user_id)).all()
        return sorted(((user_id, name or email) for user_id, name, email in rows), key=lambda pair: pair[1].lower())

    cached = per_request("member_choices", current_company_id(), lambda: company_cache.cached("member_choices", None, load))
    return list(cached)


def member_ids() -> list[int]:
    """Ids of the users who belong to the current company."""
    return list(db.session.scalars(select(Membership.user_id).order_by(Membership.id)))


def snapshot(row: Any, fields: Sequence[str]) -> dict[str, Any]:
    """The values of ``fields`` on ``row`` now (to tell plugins what an edit changed)."""
    return {name: getattr(row, name) for name in fields}


def changes_since(before: dict[str, Any], row: Any) -> dict[str, tuple[Any, Any]]:
    """``{field: (old, new)}`` for every field of ``before`` whose value changed on ``row``."""
    return {name: (old, getattr(row, name)) for name, old in before.items() if getattr(row, name) != old}


def create_person(person: Person) -> None:
    """Add a new person and tell plugins (``crm_person_created``; raising aborts).

    Code that only set ``email``, ``phone`` or ``organization_id`` gets the matching
    primary entries in the email, phone and organization lists.
    """
    sync_primary_contacts(person)
    sync_primary_membership(person)
    db.session.add(person)
    db.session.flush()
    runtime.call_data("crm_person_created", person=person)


def update_person(person: Person, before: dict[str, Any]) -> None:
    """Tell plugins what changed on ``person`` (``crm_person_updated``), if anything did."""
    changes = changes_since(before, person)
    if {"email", "phone"} & changes.keys():
        sync_primary_contacts(person)
    if {"organization_id", "job_title"} & changes.keys():
        sync_primary_membership(person)
    if changes:
        db.session.flush()
        runtime.call_data("crm_person_updated", person=person, changes=changes)


def delete_person(person: Person) -> None:
    """Delete a person (plugins first, ``crm_person_deleted``); their activities go with them."""
    runtime.call_data("crm_person_deleted", person=person)
    delete_values_of("person", [person.id])
    db.session.delete(person)


# Organizations --------------------------------------------------------------------


def organizations_page(
    q: str | None = None, cursor: str | None = None, limit: int = PAGE_SIZE, sort: str | None = None
) -> Page[Organization]:
    """Organizations searched by name, one keyset page, sorted by ``sort`` (default: name, id).

    The organizations list uses :mod:`crm_platform.contacts.organization_listing` directly
    (it also shows the notice of a bad ``sort``).
    """
    from crm_platform.contacts.organization_listing import build_organization_listing

    return build_organization_listing(q, sort).page(cursor, limit)


def organizations_select(q: str | None = None) -> sa.Select[Any]:
    """The query behind :func:`organizations_page` (the API adds its own filters)."""
    stmt = select(Organization)
    for term in search_terms(q):
        stmt = stmt.where(_matches_any(term, (Organization.name,)))
    return stmt


def people_counts(organization_ids: Sequence[int]) -> dict[int, int]:
    """How many people each of the given organizations has (one grouped query)."""
    if not organization_ids:
        return {}
    stmt = (
        select(Person.organization_id, func.count())
        .where(Person.organization_id.in_(list(organization_ids)))
        .group_by(Person.organization_id)
    )
    return {org_id: count for org_id, count in db.session.execute(stmt)}


def people_of(organization: Organization, limit: int = ORG_PEOPLE_SIZE) -> Page[Person]:
    """The first people of an organization by name (the people list shows them all)."""
    return people_page(organization_id=organization.id, limit=limit)


def create_organization(organization: Organization) -> None:
    """Add a new organization and tell plugins (``crm_organization_created``)."""
    db.session.add(organization)
    db.session.flush()
    runtime.call_data("crm_organization_created", organization=organization)


def update_organization(organization: Organization, before: dict[str, Any]) -> None:
    """Tell plugins what changed on ``organization`` (``crm_organization_updated``), if anything did."""
    changes = changes_since(before, organization)
    if changes:
        db.session.flush()
        runtime.call_data("crm_organization_updated", organization=organization, changes=changes)


def delete_organization(organization: Organization) -> None:
    """Delete an organization and the activities about it alone.

    Plugins hear first (``crm_organization_deleted``). Its people stay (their
    organization becomes empty) and so do activities about them, which only lose the
    link to the organization.
    """
    runtime.call_data("crm_organization_deleted", organization=organization)
    delete_values_of("organization", [organization.id])
    db.session.execute(
        delete(Activity)
        .where(Activity.organization_id == organization.id, Activity.person_id.is_(None))
        .execution_options(synchronize_session=False)
    )
    db.session.delete(organization)


# Activities -----------------------------------------------------------------------


def timeline_page(
    person_id: int | None = None,
    organization_id: int | None = None,
    before: str | None = None,
    limit: int = TIMELINE_SIZE,
) -> Page[Activity]:
    """Activities of a person or an organization, newest first, one keyset page.

    The page's own subject is not joined into every row (a person's 50 entries would
    each carry the whole person row): ``activity.person`` or ``activity.organization``
    of the subject comes from the session's identity map, where the page loaded it.
    """
    from crm_platform.timeline.attachment_loading import WITH_ATTACHMENT_COUNT, load_attachments

    stmt = select(Activity).options(selectinload(Activity.assignee), WITH_ATTACHMENT_COUNT)
    if person_id is not None:
        # An entry records the organization the person had then: rarely more than one or two.
        stmt = stmt.where(Activity.person_id == person_id).options(lazyload(Activity.person), lazyload(Activity.organization))
    if organization_id is not None:
        stmt = stmt.where(Activity.organization_id == organization_id).options(lazyload(Activity.organization))
    page = keyset_page(stmt, (Activity.created_at, Activity.id), before, limit, descending=True)
    load_attachments(page.items)
    return page


def feed_page(kind: str | None = None, author_id: int | None = None, before: str | None = None, limit: int = FEED_SIZE) -> Page[Activity]:
    """The company-wide activity feed, newest first, one keyset page, optionally filtered."""
    stmt = select(Activity).options(
        selectinload(Activity.person), selectinload(Activity.organization), selectinload(Activity.author)
    )
    if kind:
        stmt = stmt.where(Activity.kind == kind)
    if author_id is not None:
        stmt = stmt.where(Activity.author_id == author_id)
    return keyset_page(stmt, (Activity.created_at, Activity.id), before, limit, descending=True)


def add_activity(kind: str, body: str, person: Person | None = None, organization: Organization | None = None) -> Activity:
    """Record an activity by the current user about a person (and their organization)."""
    if person is not None and organization is None:
        organization = person.organization
    from flask import has_request_context

    author_id = current_user.id if has_request_context() and current_user.is_authenticated else None
    activity = Activity(kind=kind, body=body, person=person, organization=organization, author_id=author_id)
    db.session.add(activity)
    return activity


def get_activity(activity_id: int) -> Activity:
    """The activity with ``activity_id`` in the current company, else 404."""
    return db.first_or_404(select(Activity).where(Activity.id == activity_id))


def can_delete_activity(activity: Activity) -> bool:
    """Its author, owners and admins may delete an activity (read-only users never)."""
    role = getattr(g, "role", None)
    if role in ACTIVITY_ADMIN_ROLES:
        return True
    return role != "readonly" and activity.author_id is not None and activity.author_id == current_user.id


def recent_activities(limit: int = 8) -> list[Activity]:
    """The newest activities of the current company."""
    stmt = (
        select(Activity)
        .options(selectinload(Activity.person), selectinload(Activity.organization), selectinload(Activity.author))
        .order_by(Activity.created_at.desc(), Activity.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def stage_counts() -> list[tuple[str, int]]:
    """``(stage, number of people)`` for every lifecycle stage, in funnel order."""
    stmt = select(Person.lifecycle_stage, func.count()).group_by(Person.lifecycle_stage)
    counts = {stage: count for stage, count in db.session.execute(stmt)}
    return [(stage, counts.get(stage, 0)) for stage in LIFECYCLE_STAGES]



def search_results(query: str, limit: int) -> list[SearchResult]:
    """Global search: people and organizations matching ``query`` (``crm_search``).

    At most ``limit`` results, shared between people and organizations when both match.
    """
    if limit <= 0:
        return []
    people = people_page(q=query, limit=limit).items
    organizations = organizations_page(q=query, limit=limit).items
    people = people[: max(limit // 2, limit - len(organizations))]
    organizations = organizations[: limit - len(people)]
    results = [
        SearchResult(
            title=person.full_name,
            url=url_for("contacts.person", person_id=person.id),
            kind="person",
            snippet=" · ".join(filter(None, [person.job_title, person.organization.name if person.organization else "", person.email])),
        )
        for person in people
    ]
    results += [
        SearchResult(
            title=organization.name,
            url=url_for("contacts.organization", organization_id=organization.id),
            kind="organization",
            snippet=", ".join(filter(None, [organization.industry, organization.city, organization.country])),
        )
        for organization in organizations
    ]
    return results
