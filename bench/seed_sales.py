"""Deals for the sales plugin: 10,000 on the default pipeline of Bench Co.

Incremental: runs on an existing dataset (the cached SQLite file or CRM_DATABASE_URL)
whenever the sales plugin is installed and Bench Co has fewer deals than settings.DEALS.
It enables the plugin for Bench Co (its own enable event creates the default pipeline),
then bulk-inserts deals and their people with SQLAlchemy Core, like bench/seed.py.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from bench import settings as S

TOPICS = ("Rollout", "Expansion", "Renewal", "Pilot", "Upgrade", "Migration", "Team licence")
LOST_REASONS = ("Chose a competitor", "No budget this year", "Project cancelled")


def deal_count(conn: Any, company_id: int) -> int:
    return conn.execute(sa.text("SELECT count(*) FROM sales_deal WHERE company_id = :c"), {"c": company_id}).scalar()


def _pipeline(company_id: int) -> tuple[int, list[int]]:
    """Enable sales for Bench Co and return its first pipeline and the stage ids, in order."""
    from crm_platform import tenancy
    from crm_platform.companies.models import Company
    from crm_platform.extensions import db
    from crm_platform.plugins import runtime
    from crm_sales import services

    with tenancy.company_scope(company_id):
        company = db.session.get(Company, company_id)
        if not runtime.is_enabled("sales", company_id):
            runtime.set_enabled(company, "sales", True)
        services.ensure_default_pipeline()
        db.session.commit()
        pipeline = services.pipelines()[0]
        return pipeline.id, [stage.id for stage in pipeline.stages]


def _rows(company_id: int, pipeline_id: int, stages: list[int], orgs: list[tuple[int, str]],
          owners: list[int | None]) -> list[dict[str, Any]]:
    rng = random.Random(2026)
    now = datetime.now(UTC).replace(microsecond=0)
    positions = dict.fromkeys(stages, 0)
    rows = []
    for n in range(S.DEALS):
        org_id, org_name = rng.choice(orgs)
        stage = stages[min(len(stages) - 1, int(rng.random() ** 1.3 * len(stages)))]
        positions[stage] += 1
        state = "open" if n % 10 < 7 else "won" if n % 10 < 9 else "lost"
        changed = now - timedelta(days=rng.randint(0, 9) if rng.random() < 0.8 else rng.randint(15, 120))
        created = changed - timedelta(days=rng.randint(0, 90))
        rows.append(dict(
            company_id=company_id, title=f"{org_name} – {rng.choice(TOPICS)}"[:200], currency="EUR",
            value=Decimal(rng.randrange(20, 400) * 100), expected_close_date=(now + timedelta(days=rng.randint(-30, 180))).date(),
            pipeline_id=pipeline_id, stage_id=stage, position=positions[stage], owner_id=rng.choice(owners),
            organization_id=org_id, state=state, lost_reason=rng.choice(LOST_REASONS) if state == "lost" else "",
            stage_changed_at=changed, closed_at=changed if state != "open" else None, created_at=created, updated_at=changed,
        ))
    return rows


def seed_deals(app: Any, company_id: int, log: Any) -> None:
    """Seed the deals unless Bench Co has them all (a partial set is replaced)."""
    from crm_platform.extensions import db

    with db.engine.connect() as conn:
        if deal_count(conn, company_id) >= S.DEALS:
            return
    started = time.perf_counter()
    pipeline_id, stages = _pipeline(company_id)
    tables = db.metadata.tables
    deal, deal_person = tables["sales_deal"], tables["sales_deal_person"]
    with db.engine.connect() as conn:
        conn.execute(deal.delete().where(deal.c.company_id == company_id))
        orgs = [tuple(r) for r in conn.execute(sa.text(
            "SELECT id, name FROM organization WHERE company_id = :c ORDER BY id"), {"c": company_id})]
        users = list(conn.scalars(sa.text("SELECT user_id FROM membership WHERE company_id = :c"), {"c": company_id}))
        people_of: dict[int, list[int]] = {}
        for person_id, org_id in conn.execute(sa.text(
                "SELECT id, organization_id FROM person WHERE company_id = :c AND organization_id IS NOT NULL"),
                {"c": company_id}):
            people_of.setdefault(org_id, []).append(person_id)
        rows = _rows(company_id, pipeline_id, stages, orgs, [*users, None])
        conn.execute(deal.insert(), rows)
        ids = list(conn.execute(sa.select(deal.c.id, deal.c.organization_id)
                                .where(deal.c.company_id == company_id).order_by(deal.c.id)))
        rng = random.Random(7)
        links = []
        for deal_id, org_id in ids:
            staff = people_of.get(org_id, [])
            for person_id, role in zip(rng.sample(staff, min(len(staff), 2)), ("decision_maker", "champion")):
                links.append(dict(company_id=company_id, deal_id=deal_id, person_id=person_id, role=role))
        if links:
            conn.execute(deal_person.insert(), links)
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    log(f"  deals: {len(rows):,} deals and {len(links):,} deal contacts in {time.perf_counter() - started:.1f}s")
