"""The core's organizations and timeline entries (people: :mod:`resources_people`).

Changes go through :mod:`crm_platform.contacts.services`, so plugins hear about them
exactly as they do for changes made in the UI (``crm_person_created`` and friends).
"""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import select

from crm_platform.api import schemas
from crm_platform.api.framework import ApiValidationError, api_page
from crm_platform.contacts import services
from crm_platform.contacts.models import Activity, Organization, Person
from crm_platform.contacts.pagination import Page
from crm_platform.extensions import db
from crm_platform.plugins.types import ApiResource


def check_links(data: Any) -> None:
    """Referenced organizations and owners must belong to the current company (422 otherwise)."""
    sent = data.model_fields_set
    if "organization_id" in sent and data.organization_id is not None and services.find_organization(data.organization_id) is None:
        raise ApiValidationError.one("organization_id", "No organization with this id in your company.")
    if "owner_id" in sent and data.owner_id is not None and data.owner_id not in services.member_ids():
        raise ApiValidationError.one("owner_id", "No user with this id in your company.")


# Organizations -------------------------------------------------------------------


def list_organizations(query: schemas.OrganizationQuery) -> Page[Organization]:
    """Organizations by name, searched by name (``q``)."""
    stmt = services.organizations_select(query.q)
    if query.updated_since is not None:
        stmt = stmt.where(Organization.updated_at >= query.updated_since)
    return api_page(stmt, (Organization.name, Organization.id), query)


def create_organization(data: schemas.OrganizationCreate) -> Organization:
    """A new organization (``crm_organization_created`` is called)."""
    organization = Organization(**data.model_dump())
    services.create_organization(organization)
    return organization


def _apply(row: Any, data: Any) -> None:
    for name in data.model_fields_set:
        setattr(row, name, getattr(data, name))


def update_organization(organization: Organization, data: Any) -> None:
    """Apply the fields sent (``crm_organization_updated`` is called with the changes)."""
    if "name" in data.model_fields_set and data.name is None:
        raise ApiValidationError.one("name", "Enter a name.")
    before = services.snapshot(organization, services.ORGANIZATION_FIELDS)
    _apply(organization, data)
    services.update_organization(organization, before)


# Timeline ------------------------------------------------------------------------


def list_activities(query: schemas.ActivityQuery) -> Page[Activity]:
    """Timeline entries, newest first, filtered by person, organization, author, kind or time."""
    stmt = select(Activity)
    if query.person_id is not None:
        stmt = stmt.where(Activity.person_id == query.person_id)
    if query.organization_id is not None:
        stmt = stmt.where(Activity.organization_id == query.organization_id)
    if query.author_id is not None:
        stmt = stmt.where(Activity.author_id == query.author_id)
    if query.kind:
        stmt = stmt.where(Activity.kind == query.kind)
    if query.created_since is not None:
        stmt = stmt.where(Activity.created_at >= query.created_since)
    if query.q:
        for term in services.search_terms(query.q):
            stmt = stmt.where(Activity.body.ilike(services.like_pattern(term), escape="\\"))
    return api_page(stmt, (Activity.created_at, Activity.id), query, descending=True)


def create_activity(data: schemas.ActivityCreate) -> Activity:
    """A new entry by the token's user about a person and/or an organization."""
    person = None
    if data.person_id is not None:
        person = db.session.scalars(select(Person).where(Person.id == data.person_id)).first()
        if person is None:
            raise ApiValidationError.one("person_id", "No person with this id in your company.")
    organization = services.find_organization(data.organization_id)
    if data.organization_id is not None and organization is None:
        raise ApiValidationError.one("organization_id", "No organization with this id in your company.")
    if person is None and organization is None:
        raise ApiValidationError.one("person_id", "Give a person_id or an organization_id.")
    activity = services.add_activity(data.kind, data.body, person=person, organization=organization)
    db.session.flush()
    return activity


def _may_change(activity: Activity) -> None:
    if not services.can_delete_activity(activity):
        abort(403)


def update_activity(activity: Activity, data: Any) -> None:
    """Change the kind or body (its author, owners and admins only)."""
    _may_change(activity)
    for name in data.model_fields_set:
        value = getattr(data, name)
        if value is None:
            raise ApiValidationError.one(name, "This field may not be null.")
        setattr(activity, name, value)


def delete_activity(activity: Activity) -> None:
    """Delete an entry (its author, owners and admins only)."""
    _may_change(activity)
    db.session.delete(activity)


RESOURCES: list[ApiResource] = [
    ApiResource(
        name="organizations", model=Organization, schema=schemas.Organization, title="Organizations",
        description="Businesses and institutions. Deleting one keeps its people.",
        list=list_organizations, query_schema=schemas.OrganizationQuery,
        create=create_organization, create_schema=schemas.OrganizationCreate,
        update=update_organization, update_schema=schemas.OrganizationUpdate,
        delete=services.delete_organization,
    ),
    ApiResource(
        name="activities", model=Activity, schema=schemas.Activity, title="Timeline entries",
        description="Notes, calls, meetings, emails and tasks on the timeline of people and organizations.",
        list=list_activities, query_schema=schemas.ActivityQuery,
        create=create_activity, create_schema=schemas.ActivityCreate,
        update=update_activity, update_schema=schemas.ActivityUpdate,
        delete=delete_activity,
    ),
]
