"""Shared helpers of the timeline tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.contacts.models import Activity, Organization, Person
from crm_platform.timeline.models import Attachment, Notification


def add_person(company: Any, db: Any, first: str = "Grace", last: str = "Hopper", organization: Organization | None = None) -> Person:
    with tenancy.company_scope(company.id):
        person = Person(first_name=first, last_name=last, organization_id=organization.id if organization else None)
        db.session.add(person)
        db.session.commit()
        return person


def add_organization(company: Any, db: Any, name: str = "Navy Labs") -> Organization:
    with tenancy.company_scope(company.id):
        organization = Organization(name=name)
        db.session.add(organization)
        db.session.commit()
        return organization


def rows(company: Any, db: Any, model: Any = Activity, *where: Any) -> list[Any]:
    with tenancy.company_scope(company.id):
        db.session.expire_all()
        return list(db.session.scalars(select(model).where(*where).order_by(model.id)).unique())


def notifications(company: Any, db: Any, *where: Any) -> list[Notification]:
    return rows(company, db, Notification, *where)


def attachments(company: Any, db: Any, *where: Any) -> list[Attachment]:
    return rows(company, db, Attachment, *where)


def htmx_post(client: Any, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return client.htmx("POST", path, data or {}, token_from="/people", **kwargs)
