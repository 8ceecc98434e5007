"""The stale trigger: a periodic job finds open deals that sat in their stage past its rotting days.

A deal fires once per staleness episode: the event's ``dedupe_key`` names the deal and the
time it entered the stage, so it cannot be recorded twice; moving the deal starts a new episode.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm_platform.plugins import company_scope, db, is_enabled, unscoped
from crm_sales.automation.engine import run_pending
from crm_sales.automation.models import AutomationEvent, AutomationRule
from crm_sales.models import Deal, Stage, aware, utcnow


def episode_key(deal: Deal) -> str:
    """``stale:<deal id>:<time it entered its stage>``."""
    return f"stale:{deal.id}:{aware(deal.stage_changed_at).strftime('%Y%m%dT%H%M%S%f')}"


def companies_with_stale_rules() -> list[int]:
    """Companies that have an enabled stale rule (only they are scanned)."""
    with unscoped():
        stmt = select(AutomationRule.company_id).where(
            AutomationRule.enabled.is_(True), AutomationRule.trigger == "stale"
        ).distinct()
        return list(db.session.scalars(stmt))


def stale_deals(now: datetime) -> list[Deal]:
    """Open deals of the current company older in their stage than its rotting days."""
    stmt = (
        select(Deal).join(Stage, Stage.id == Deal.stage_id)
        .where(Deal.state == "open", Stage.rotting_days.is_not(None), Deal.stage_changed_at < now - timedelta(days=1))
        .order_by(Deal.id)
    )
    return [d for d in db.session.scalars(stmt).unique() if d.is_stale(now)]


def record_stale(now: datetime) -> int:
    """Write one ``stale`` event per new staleness episode in the current company; returns how many."""
    candidates = {episode_key(deal): deal for deal in stale_deals(now)}
    known = set(db.session.scalars(
        select(AutomationEvent.dedupe_key).where(AutomationEvent.dedupe_key.in_(list(candidates)))
    )) if candidates else set()
    added = 0
    for key, deal in candidates.items():
        if key in known:
            continue
        db.session.add(AutomationEvent(deal_id=deal.id, trigger="stale", stage_id=deal.stage_id, dedupe_key=key, created_at=now))
        try:
            db.session.commit()
            added += 1
        except IntegrityError:  # another worker recorded it
            db.session.rollback()
    return added


def scan_stale(now: datetime | None = None, **_: object) -> int:
    """The job: record new stale episodes of every company with stale rules, then run the rules."""
    now = now or utcnow()
    total = 0
    for company_id in companies_with_stale_rules():
        if not is_enabled("sales", company_id):
            continue
        with company_scope(company_id):
            total += record_stale(now)
        run_pending(company_id, now=now)
    return total
