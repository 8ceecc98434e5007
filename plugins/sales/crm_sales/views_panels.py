"""Fragments loaded lazily into person and organization pages: their deals."""

from __future__ import annotations

from flask_login import login_required
from sqlalchemy import select

from crm_platform.contacts.models import Organization, Person
from crm_platform.plugins import db, require_permission
from crm_sales import services
from crm_sales.blueprint import bp, page
from crm_sales.models import utcnow


@bp.get("/people/<int:person_id>/deals")
@login_required
@require_permission("sales.view")
def person_panel(person_id: int) -> tuple[str, int]:
    """The deals a person is involved in, with their role."""
    person = db.first_or_404(select(Person).where(Person.id == person_id))
    rows = services.deals_of_person(person.id)
    return page("sales/_panel.html", rows=rows, new_args={"person": person.id}, now=utcnow())


@bp.get("/organizations/<int:organization_id>/deals")
@login_required
@require_permission("sales.view")
def organization_panel(organization_id: int) -> tuple[str, int]:
    """The deals of an organization."""
    organization = db.first_or_404(select(Organization).where(Organization.id == organization_id))
    rows = [(deal, None) for deal in services.deals_of_organization(organization.id)]
    return page("sales/_panel.html", rows=rows, new_args={"organization": organization.id}, now=utcnow())
