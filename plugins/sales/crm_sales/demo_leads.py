"""Demo leads, scoring rules and targets (after the demo deals)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from crm_platform.plugins import db
from crm_sales.forecast import add_months
from crm_sales.leads.scoring import score_leads
from crm_sales.models import LeadRule, SalesTarget, utcnow
from crm_sales.models_leads import Lead

SOURCES = ("web form", "referral", "trade fair", "webinar", "import")
MESSAGES = (
    "We are looking for a CRM for our sales team of about {n} people.",
    "Could you send pricing for {n} seats?",
    "Met you at the fair, let's talk about a pilot.",
    "Our current tool is too slow, can we get a demo next week?",
    "",
)
RULES = (("source", "equals", "referral", 20), ("email", "not_free_mail", "", 10), ("phone", "is_set", "", 5),
         ("message", "contains", "demo", 8))


def load(faker: Any, count: int = 30) -> None:
    """Add scoring rules, ``count`` leads in every status but converted, and monthly targets."""
    from crm_platform.companies.models import Membership

    rng = random.Random(faker.random.random())
    rules = [LeadRule(field=f, operator=o, value=v, points=p) for f, o, v, p in RULES]
    db.session.add_all(rules)
    owners = list(db.session.scalars(select(Membership.user_id)))
    now = utcnow()
    leads = []
    for _ in range(count):
        company = faker.company()
        domain = rng.choice(("gmail.com", "outlook.com")) if rng.random() < 0.3 else company.split()[0].lower().strip(",") + ".example"
        first, last = faker.first_name(), faker.last_name()
        lead = Lead(
            name=f"{first} {last}", email=f"{first.lower()}.{last.lower()}@{domain}",
            phone=faker.numerify("+44 20 #### ####") if rng.random() < 0.5 else "",
            organization_name=company, source=rng.choice(SOURCES),
            message=rng.choice(MESSAGES).format(n=rng.randint(3, 60)),
            status=rng.choice(("new", "new", "new", "qualified", "disqualified")),
            owner_id=rng.choice(owners) if owners and rng.random() < 0.7 else None,
        )
        lead.created_at = now - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))
        leads.append(lead)
    db.session.add_all(leads)
    score_leads(leads, rules)
    month = add_months(now.date(), -1)
    for user_id in owners:
        base = rng.randrange(20, 60) * 1000
        for offset in range(7):
            db.session.add(SalesTarget(user_id=user_id, month=add_months(month, offset), amount=Decimal(base)))
    db.session.flush()
