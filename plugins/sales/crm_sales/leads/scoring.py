"""Rule-based lead scoring: ``field operator value → points``, summed per lead.

Scores are stored on the lead (so lists sort by an index). They are recomputed when a lead
is created, edited or converted, and for every lead of the company in a background job
(``sales.rescore_leads``) when the rules change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from crm_platform.plugins import Activity, company_scope, db, is_digits
from crm_sales.models_leads import RULE_FIELDS, RULE_OPERATORS, Lead, LeadRule

FREE_MAIL: frozenset[str] = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "hotmail.com", "hotmail.co.uk",
    "hotmail.fr", "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com",
    "gmx.de", "gmx.net", "gmx.com", "web.de", "mail.com", "mail.ru", "yandex.ru", "yandex.com",
    "protonmail.com", "proton.me", "zoho.com", "orange.fr", "free.fr", "laposte.net", "libero.it",
    "t-online.de", "qq.com", "163.com", "126.com", "fastmail.com", "tutanota.com", "hey.com",
})
BATCH = 500
FIELD_NAMES = dict(RULE_FIELDS)
OPERATOR_NAMES = dict(RULE_OPERATORS)
TEXT_FIELDS = ("source", "email", "email_domain", "phone", "organization_name", "name", "message")


def rule_problem(field: str, operator: str, value: str) -> str | None:
    """Why ``field operator value`` is not a rule that can be evaluated, or None."""
    if field not in FIELD_NAMES:
        return "Choose a field."
    if operator not in OPERATOR_NAMES:
        return "Choose a condition."
    if field == "activities":
        if operator != "at_least":
            return "Timeline entries are compared with “is at least”."
        if not is_digits(value) or int(value) > 100000:
            return "Enter a whole number of timeline entries."
        return None
    if operator == "at_least":
        return "“is at least” works only with timeline entries."
    if operator == "not_free_mail" and field not in ("email", "email_domain"):
        return "“is not a free-mail domain” works only with the email or its domain."
    if operator in ("equals", "contains") and not value.strip():
        return "Enter the value to compare with."
    return None


def describe(rule: LeadRule) -> str:
    """``Source equals “referral”`` — the rule as people read it."""
    text = f"{FIELD_NAMES.get(rule.field, rule.field)} {OPERATOR_NAMES.get(rule.operator, rule.operator)}"
    if rule.operator in ("equals", "contains", "at_least"):
        text += f" “{rule.value}”" if rule.operator != "at_least" else f" {rule.value}"
    return text


def _text(lead: Lead, field: str) -> str:
    return lead.email_domain if field == "email_domain" else str(getattr(lead, field, "") or "")


def matches(rule: LeadRule, lead: Lead, activities: int = 0) -> bool:
    """True when ``lead`` meets ``rule`` (``activities``: timeline entries of its converted person)."""
    if rule.field == "activities":
        return is_digits(rule.value) and lead.person_id is not None and activities >= int(rule.value)
    if rule.field not in TEXT_FIELDS:
        return False
    text = _text(lead, rule.field).strip().lower()
    wanted = rule.value.strip().lower()
    if rule.operator == "equals":
        return text == wanted
    if rule.operator == "contains":
        return bool(wanted) and wanted in text
    if rule.operator == "is_set":
        return bool(text)
    if rule.operator == "not_free_mail":
        domain = lead.email_domain
        return bool(domain) and domain not in FREE_MAIL
    return False


def rules() -> list[LeadRule]:
    """The company's rules, oldest first."""
    return list(db.session.scalars(select(LeadRule).order_by(LeadRule.id)))


def activity_counts(person_ids: Sequence[int]) -> dict[int, int]:
    """Timeline entries per person (one grouped query)."""
    if not person_ids:
        return {}
    stmt = select(Activity.person_id, func.count()).where(Activity.person_id.in_(list(person_ids))).group_by(Activity.person_id)
    return {person_id: count for person_id, count in db.session.execute(stmt)}


def breakdown(lead: Lead, company_rules: Sequence[LeadRule] | None = None) -> list[tuple[LeadRule, bool]]:
    """Every rule and whether it applies to ``lead`` (the lead page explains its score)."""
    company_rules = rules() if company_rules is None else company_rules
    needs_count = lead.person_id is not None and any(r.field == "activities" for r in company_rules)
    count = activity_counts([lead.person_id]).get(lead.person_id, 0) if needs_count else 0
    return [(rule, matches(rule, lead, count)) for rule in company_rules]


def score_leads(leads: Sequence[Lead], company_rules: Sequence[LeadRule] | None = None) -> int:
    """Set the score of each lead from the rules; returns how many scores changed."""
    company_rules = rules() if company_rules is None else company_rules
    counts = {}
    if any(r.field == "activities" for r in company_rules):
        counts = activity_counts([lead.person_id for lead in leads if lead.person_id is not None])
    changed = 0
    for lead in leads:
        count = counts.get(lead.person_id, 0) if lead.person_id is not None else 0
        score = sum(rule.points for rule in company_rules if matches(rule, lead, count))
        score = max(-100000, min(100000, score))
        if lead.score != score:
            lead.score = score
            changed += 1
    return changed


def rescore_company(company_id: int) -> int:
    """Background job ``sales.rescore_leads``: recompute every lead of a company, in batches."""
    changed = 0
    with company_scope(company_id):
        company_rules = rules()
        last_id = 0
        while True:
            batch = list(db.session.scalars(select(Lead).where(Lead.id > last_id).order_by(Lead.id).limit(BATCH)).unique())
            if not batch:
                break
            changed += score_leads(batch, company_rules)
            last_id = batch[-1].id
            db.session.commit()
    return changed


def request_rescore(company_id: Any) -> None:
    """Queue the rescoring of the company's leads (after the rules changed)."""
    from crm_platform.plugins import enqueue

    enqueue("sales.rescore_leads", company_id=company_id)
