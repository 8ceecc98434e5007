"""Which people an export contains: exactly the people list's filters, search and order."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Select, or_, select

from crm_platform.contacts.models import Organization, Person
from crm_platform.contacts.services import like_pattern, search_terms


class FilterError(ValueError):
    """The list's filters in the URL do not validate (the export answers 422)."""


def people_statement(args: Mapping[str, str]) -> Select:
    """The people list's statement for these query-string ``args``, without paging.

    Same filters as ``/people`` (``q``, ``stage``, ``organization``), ordered like the list.
    When ``crm_platform.contacts.listing.people_statement`` exists this becomes a call to it.
    """
    from crm_platform.contacts.forms import PeopleFilterForm, optional_int

    form = PeopleFilterForm(args)
    if not form.validate():
        raise FilterError("; ".join(f"{name}: {', '.join(errors)}" for name, errors in form.errors.items()))
    stmt = select(Person)
    for term in search_terms(form.q.data):
        pattern = like_pattern(term)
        org_ids = select(Organization.id).where(Organization.name.ilike(pattern, escape="\\"))
        stmt = stmt.where(or_(
            *[column.ilike(pattern, escape="\\") for column in (Person.first_name, Person.last_name, Person.email, Person.phone)],
            Person.organization_id.in_(org_ids),
        ))
    if form.stage.data:
        stmt = stmt.where(Person.lifecycle_stage == form.stage.data)
    organization_id = optional_int(form.organization.data)
    if organization_id is not None:
        stmt = stmt.where(Person.organization_id == organization_id)
    return stmt.order_by(Person.last_name, Person.first_name, Person.id)
