"""Running rules on pending events: claim each event once, run matching rules, log every outcome.

Each rule runs in its own transaction after the user's change was committed. An action that
fails is rolled back alone and its error written to the run log; it never reaches the user.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select, update

from crm_platform.plugins import company_scope, db, is_enabled, unscoped
from crm_sales.automation.actions import ACTIONS
from crm_sales.automation.events import running
from crm_sales.automation.models import AutomationEvent, AutomationRule, AutomationRun
from crm_sales.models import Deal, utcnow

log = logging.getLogger(__name__)
BATCH = 500


def pending_by_company(company_id: int | None = None) -> dict[int, list[int]]:
    """``{company id: [event ids]}`` of unprocessed events, oldest first (all companies, or one)."""
    stmt = select(AutomationEvent.company_id, AutomationEvent.id).where(AutomationEvent.processed_at.is_(None))
    if company_id is not None:
        stmt = stmt.where(AutomationEvent.company_id == company_id)
    out: dict[int, list[int]] = defaultdict(list)
    with unscoped():  # a queue worker serves every company; each is then handled in its own scope
        for cid, event_id in db.session.execute(stmt.order_by(AutomationEvent.id).limit(BATCH)):
            out[cid].append(event_id)
    return out


def run_pending(company_id: int | None = None, now: datetime | None = None, **_: object) -> int:
    """The job: run the rules for every pending event; returns how many actions ran."""
    done = 0
    for cid, event_ids in pending_by_company(company_id).items():
        with company_scope(cid):
            enabled = is_enabled("sales", cid)
            for event_id in event_ids:
                done += process_event(event_id, now or utcnow(), run_rules=enabled)
    return done


def matches(rule: AutomationRule, event: AutomationEvent) -> bool:
    """Whether ``rule`` reacts to ``event`` (same trigger; same stage when the rule names one)."""
    if not rule.enabled or rule.trigger != event.trigger:
        return False
    if rule.trigger == "stage_entered":
        return rule.stage_id is not None and rule.stage_id == event.stage_id
    return rule.stage_id is None or rule.stage_id == event.stage_id


def process_event(event_id: int, now: datetime, run_rules: bool = True) -> int:
    """Claim the event (once, even with several workers), then run each matching rule."""
    claimed = db.session.execute(
        update(AutomationEvent).where(AutomationEvent.id == event_id, AutomationEvent.processed_at.is_(None))
        .values(processed_at=now).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed or not run_rules:
        return 0
    event = db.session.scalars(select(AutomationEvent).where(AutomationEvent.id == event_id)).first()
    if event is None:
        return 0
    trigger, deal_id, stage_id = event.trigger, event.deal_id, event.stage_id
    rules = [
        r for r in db.session.scalars(
            select(AutomationRule).where(AutomationRule.enabled.is_(True), AutomationRule.trigger == trigger)
            .order_by(AutomationRule.id)
        ).unique()
        if matches(r, event)
    ]
    rule_ids = [r.id for r in rules]
    if event.dedupe_key is None:
        db.session.delete(event)  # stale events stay: their key keeps the episode from firing again
        db.session.commit()
    for rule_id in rule_ids:
        run_rule(rule_id, deal_id, trigger, stage_id, now)
    return len(rule_ids)


def run_rule(rule_id: int, deal_id: int, trigger: str, stage_id: int | None, now: datetime) -> None:
    """Run one rule's action on one deal in its own transaction, and log the outcome."""
    token = running.set(True)
    try:
        rule = db.session.scalars(select(AutomationRule).where(AutomationRule.id == rule_id)).first()
        deal = db.session.scalars(select(Deal).where(Deal.id == deal_id)).first()
        if rule is None or deal is None:
            return
        try:
            message = ACTIONS[rule.action](rule, deal, now)
            outcome = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure of an action is the rule's, logged below
            db.session.rollback()
            log.info("automation rule %s failed on deal %s: %s", rule_id, deal_id, exc)
            message, outcome = (str(exc) or type(exc).__name__), "error"
        db.session.add(AutomationRun(
            rule_id=rule_id, deal_id=deal_id, trigger=trigger, outcome=outcome, message=message[:500], created_at=now,
        ))
        db.session.commit()
    finally:
        running.reset(token)
