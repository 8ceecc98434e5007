"""What a rule does to a deal: create a task, notify a user, change a field, or call a webhook.

Each action raises :class:`ActionError` (or any exception) on failure; the engine writes it
to the rule's run log. Webhooks are posted only here, from the background job.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from crm_platform.plugins import company_members
from crm_sales.automation.models import AutomationRule
from crm_sales.automation.templating import fill
from crm_sales.models import Deal

FIELD_CHOICES: tuple[tuple[str, str], ...] = (
    ("owner", "Owner"),
    ("expected_close_date", "Expected close date (days from now)"),
)


class ActionError(RuntimeError):
    """An action could not be done; the message goes to the run log."""


def _member(user_id: Any) -> Any:
    member = next((m for m in company_members() if m.id == user_id), None)
    if member is None:
        raise ActionError("The chosen user is no longer a member of the company.")
    return member


def _who(choice: Any, deal: Deal) -> Any:
    """``owner`` is the deal's owner; a number is that member."""
    if choice == "owner":
        if deal.owner_id is None:
            raise ActionError("The deal has no owner.")
        return _member(deal.owner_id)
    return _member(int(choice))


def create_task(rule: AutomationRule, deal: Deal, now: datetime) -> str:
    """A task on the deal, for its owner or a chosen user, due in N days."""
    from crm_sales.tasks import add_deal_task

    config = rule.config
    assignee = _who(config.get("assignee", "owner"), deal)
    title = fill(config.get("title", ""), deal).strip()[:500] or f"Follow up on {deal.title}"
    due = now + timedelta(days=int(config.get("due_days", 1)))
    task = add_deal_task(deal, title, due, assignee.id)
    return f"Task “{task.body}” for {assignee.display_name}, due {due.strftime('%d %b %Y')}"


def notify(rule: AutomationRule, deal: Deal, now: datetime) -> str:
    """Tell a user (the owner or a chosen one) about the deal."""
    from crm_sales.automation.notify import notify_user

    config = rule.config
    user = _who(config.get("user", "owner"), deal)
    text = fill(config.get("message", ""), deal).strip()[:500] or f"{rule.trigger_label}: {deal.title}"
    notify_user(user, text, deal)
    return f"Notified {user.display_name}"


def change_field(rule: AutomationRule, deal: Deal, now: datetime) -> str:
    """Set the owner, or move the expected close date to N days from now."""
    config = rule.config
    if config.get("field") == "owner":
        user = _member(int(config.get("owner")))
        deal.owner_id = user.id
        return f"Owner set to {user.display_name}"
    if config.get("field") == "expected_close_date":
        from crm_sales.tasks import company_zone

        day = now.astimezone(company_zone()).date() + timedelta(days=int(config.get("days", 0)))
        deal.expected_close_date = day
        return f"Expected close date set to {day.strftime('%d %b %Y')}"
    raise ActionError("This rule changes a field that cannot be changed.")


def webhook(rule: AutomationRule, deal: Deal, now: datetime) -> str:
    """POST JSON about the deal to the rule's URL (SSRF-safe: private targets refused)."""
    from crm_sales.automation.outbound import post_deal

    status = post_deal(rule.config.get("url", ""), payload(rule, deal, now))
    return f"Webhook answered {status}"


def payload(rule: AutomationRule, deal: Deal, now: datetime) -> dict[str, Any]:
    """The JSON a webhook receives."""
    return {
        "event": rule.trigger,
        "rule": {"id": rule.id, "name": rule.name},
        "sent_at": now.isoformat(),
        "deal": {
            "id": deal.id, "title": deal.title, "value": str(deal.value), "currency": deal.currency,
            "state": deal.state, "stage": deal.stage.name if deal.stage else None,
            "pipeline": deal.pipeline.name if deal.pipeline else None,
            "owner": deal.owner.email if deal.owner else None,
            "organization": deal.organization.name if deal.organization else None,
            "expected_close_date": deal.expected_close_date.isoformat() if deal.expected_close_date else None,
        },
    }


ACTIONS: dict[str, Callable[[AutomationRule, Deal, datetime], str]] = {
    "create_task": create_task, "notify": notify, "change_field": change_field, "webhook": webhook,
}
