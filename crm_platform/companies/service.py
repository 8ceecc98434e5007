"""Creating companies and managing who belongs to them."""

from __future__ import annotations

import re
import unicodedata

from flask import current_app
from sqlalchemy import func, select

from crm_platform import tenancy
from crm_platform.auth.models import User
from crm_platform.companies.models import ROLES, Company, Membership
from crm_platform.extensions import db
from crm_platform.security import hash_password


class CompanyError(ValueError):
    """A company or membership request that cannot be carried out (message is user-facing)."""


def slugify(name: str) -> str:
    """A URL-safe slug for a company name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:50] or "company"


def _unique_slug(base: str) -> str:
    slug, n = base, 2
    while db.session.scalar(select(func.count()).select_from(Company).where(Company.slug == slug)):
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_company(name: str, slug: str | None = None) -> Company:
    """Create a company and let plugins set it up (``crm_company_created``). Commits."""
    name = name.strip()
    if not name or len(name) > 120:
        raise CompanyError("A company name needs 1 to 120 characters.")
    with tenancy.unscoped():
        if slug and db.session.scalar(select(func.count()).select_from(Company).where(Company.slug == slug)):
            raise CompanyError(f"The slug {slug!r} is taken.")
        company = Company(name=name, slug=slug or _unique_slug(slugify(name)))
        db.session.add(company)
        db.session.flush()
    with tenancy.company_scope(company.id):
        current_app.extensions["crm"].pm.hook.crm_company_created(company=company)
        db.session.commit()
    return company


def find_company(key: str) -> Company | None:
    """Find a company by id or slug (CLI and operator use)."""
    with tenancy.unscoped():
        if key.isdigit():
            return db.session.get(Company, int(key))
        return db.session.scalars(select(Company).where(Company.slug == key)).first()


def get_or_create_user(email: str, name: str = "", password: str | None = None) -> User:
    """Return the user with ``email``, creating it when missing (password optional). Flushes."""
    email = email.strip()
    user = db.session.scalars(select(User).where(func.lower(User.email) == email.lower())).first()
    if user is None:
        user = User(email=email, name=name.strip() or email.split("@")[0])
        db.session.add(user)
    if password is not None:
        user.password_hash = hash_password(password)
    db.session.flush()
    return user


def add_member(company: Company, user: User, role: str) -> Membership:
    """Give ``user`` the ``role`` in ``company`` (updating an existing membership). Flushes."""
    if role not in ROLES:
        raise CompanyError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    with tenancy.company_scope(company.id):
        membership = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).first()
        if membership is None:
            membership = Membership(company_id=company.id, user_id=user.id, role=role)
            db.session.add(membership)
        else:
            membership.role = role
        db.session.flush()
    return membership


def owner_count() -> int:
    """How many owners the current company has (it must keep at least one)."""
    return db.session.scalar(select(func.count()).select_from(Membership).where(Membership.role == "owner")) or 0
