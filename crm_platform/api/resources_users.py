"""The users of the company, read only (members and their roles)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from crm_platform.api import schemas
from crm_platform.api.framework import api_page
from crm_platform.auth.models import User
from crm_platform.companies.models import Membership
from crm_platform.contacts import services
from crm_platform.contacts.pagination import Page
from crm_platform.extensions import db
from crm_platform.plugins.types import ApiResource


@dataclass(frozen=True)
class Member:
    """A user as the API shows them: their role in the current company."""

    id: int
    name: str
    email: str
    role: str


def _member(membership: Membership) -> Member:
    user = membership.user
    return Member(id=user.id, name=user.name, email=user.email, role=membership.role)


def list_users(query: schemas.UserQuery) -> Page[Member]:
    """Members of the company by user id; ``q`` matches names and emails."""
    stmt = select(Membership).join(User, User.id == Membership.user_id)
    for term in services.search_terms(query.q):
        pattern = services.like_pattern(term)
        stmt = stmt.where(or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\")))
    if query.role:
        stmt = stmt.where(Membership.role == query.role)
    page = api_page(stmt, (Membership.user_id,), query)
    return Page([_member(m) for m in page.items], page.next_cursor)


def get_user(user_id: int) -> Member | None:
    """The member ``user_id`` of the current company, or None (other companies' users are invisible)."""
    membership = db.session.scalars(select(Membership).where(Membership.user_id == user_id)).first()
    return _member(membership) if membership is not None else None


RESOURCES: list[ApiResource] = [
    ApiResource(
        name="users", model=User, schema=schemas.User, title="Users",
        description="The company's members and their roles (read only).",
        list=list_users, query_schema=schemas.UserQuery, get=get_user,
    ),
]
