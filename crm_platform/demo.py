"""Demo data: a believable company for a first look at the product."""

from __future__ import annotations

import secrets

from faker import Faker
from sqlalchemy import func, select

from crm_platform import tenancy
from crm_platform.companies.models import Company
from crm_platform.companies.service import add_member, create_company, get_or_create_user
from crm_platform.extensions import db

DEMO_COMPANY = "Acme Demo Ltd"
DEMO_ADMIN = "admin@example.com"


def load_demo_data(company: Company, seed: int = 2026) -> None:
    """Ask every module and plugin for demo records of ``company`` (``crm_load_demo_data``)."""
    faker = Faker()
    faker.seed_instance(seed)
    from crm_platform.plugins import runtime

    with tenancy.company_scope(company.id):
        runtime.hook("crm_load_demo_data", company.id)(company=company, faker=faker)
        db.session.commit()


def first_run_setup() -> tuple[Company, str, str] | None:
    """On an empty installation, create the demo company and an operator-admin.

    Returns ``(company, email, password)`` when it created them, else None.
    """
    with tenancy.unscoped():
        if db.session.scalar(select(func.count()).select_from(Company)):
            return None
    company = create_company(DEMO_COMPANY, slug="acme")
    password = secrets.token_urlsafe(12)
    user = get_or_create_user(DEMO_ADMIN, "Alex Admin", password)
    user.is_operator = True
    add_member(company, user, "owner")
    db.session.commit()
    load_demo_data(company)
    return company, DEMO_ADMIN, password
