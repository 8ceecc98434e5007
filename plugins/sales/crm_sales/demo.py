"""Demo deals: about 40 across the default pipeline, on the demo organizations and people."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from crm_platform.contacts.models import Organization, Person
from crm_platform.plugins import db
from crm_sales import services
from crm_sales.models import ROLES, Deal, DealPerson, LineItem, utcnow

PRODUCTS: tuple[tuple[str, int], ...] = (
    ("Platform licence (annual)", 12000),
    ("Additional seats (10)", 2400),
    ("Onboarding package", 3500),
    ("Premium support plan", 4800),
    ("Training day", 1200),
    ("Data migration", 6000),
    ("Integration consulting (day)", 1400),
)
LOST_REASONS = ("Chose a competitor", "No budget this year", "Project cancelled")
TOPICS = ("Rollout", "Expansion", "Renewal", "Pilot", "Upgrade", "Migration", "Team licence")


def load(faker: Any, count: int = 40) -> None:
    """Add ``count`` deals with owners, organizations, people, line items and some history."""
    from crm_platform.companies.models import Membership

    pipeline = services.ensure_default_pipeline() or services.pipelines()[0]
    stages = pipeline.stages
    owners = list(db.session.scalars(select(Membership.user_id)))
    organizations = list(db.session.scalars(select(Organization).order_by(Organization.id)).unique())
    people = list(db.session.scalars(select(Person).order_by(Person.id)).unique())
    rng = random.Random(faker.random.random())
    now = utcnow()
    for n in range(count):
        organization = rng.choice(organizations) if organizations else None
        stage = stages[min(len(stages) - 1, int(rng.random() ** 1.3 * len(stages)))]
        name = organization.name if organization else faker.company()
        deal = Deal(
            title=f"{name} – {rng.choice(TOPICS)}",
            currency="EUR",
            pipeline_id=pipeline.id,
            stage_id=stage.id,
            owner_id=rng.choice(owners) if owners else None,
            organization_id=organization.id if organization else None,
            expected_close_date=(now + timedelta(days=rng.randint(-20, 150))).date(),
            value=Decimal(rng.randrange(20, 400) * 100),
        )
        services.create_deal(deal)
        age = rng.randint(0, 9) if rng.random() < 0.8 else rng.randint(15, 45)  # a few deals go stale
        deal.stage_changed_at = now - timedelta(days=age, hours=rng.randint(0, 23))
        deal.created_at = deal.stage_changed_at - timedelta(days=rng.randint(0, 60))
        for product, price in rng.sample(PRODUCTS, rng.randint(0, 3)):
            db.session.add(
                LineItem(
                    deal_id=deal.id, product=product, quantity=Decimal(rng.choice((1, 1, 2, 3, 5))),
                    unit_price=Decimal(price), discount=Decimal(rng.choice((0, 0, 5, 10, 15))),
                )
            )
        db.session.flush()
        services.refresh_value(deal)
        staff = [p for p in people if organization and p.organization_id == organization.id] or people
        for person, (role, _) in zip(rng.sample(staff, min(len(staff), rng.randint(0, 2))), rng.sample(ROLES, 2)):
            db.session.add(DealPerson(deal_id=deal.id, person_id=person.id, role=role))
        db.session.flush()
        if n % 8 in (5, 7):  # closed some time ago (no timeline entries: the contacts' demo owns those)
            deal.state = "won" if n % 8 == 5 else "lost"
            deal.lost_reason = "" if deal.state == "won" else rng.choice(LOST_REASONS)
            deal.closed_at = now - timedelta(days=rng.randint(2, 60), hours=rng.randint(0, 23))
    db.session.flush()
