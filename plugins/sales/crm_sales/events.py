"""The sales plugin's webhook events: declared with ``crm_webhook_events``, sent with ``emit_event``."""

from __future__ import annotations

from typing import Any

from crm_platform.plugins import WebhookEvent, emit_event
from crm_sales.models import Deal, Stage

EVENTS: tuple[WebhookEvent, ...] = (
    WebhookEvent("deal.stage_changed", "A deal moved to another pipeline stage"),
    WebhookEvent("deal.won", "A deal was closed as won"),
    WebhookEvent("deal.lost", "A deal was closed as lost (with the reason)"),
)


def stage_data(stage: Stage | None) -> dict[str, Any] | None:
    """A stage as sent to receivers."""
    if stage is None:
        return None
    return {"id": stage.id, "name": stage.name, "probability": stage.probability, "pipeline_id": stage.pipeline_id}


def deal_data(deal: Deal) -> dict[str, Any]:
    """A deal as sent to receivers (value as a decimal string)."""
    return {
        "id": deal.id,
        "title": deal.title,
        "value": str(deal.value),
        "currency": deal.currency,
        "state": deal.state,
        "lost_reason": deal.lost_reason,
        "pipeline_id": deal.pipeline_id,
        "stage": stage_data(deal.stage),
        "organization_id": deal.organization_id,
        "owner_id": deal.owner_id,
        "expected_close_date": deal.expected_close_date,
        "closed_at": deal.closed_at,
    }


def emit_deal_event(name: str, deal: Deal, **extra: Any) -> None:
    """Send ``deal.*`` event ``name`` about ``deal`` to the company's webhooks (after commit)."""
    emit_event(name, {"deal": deal_data(deal), **extra})
