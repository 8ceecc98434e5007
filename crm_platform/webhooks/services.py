"""Webhook subscriptions and the delivery log, for the settings pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select

from crm_platform.extensions import db
from crm_platform.webhooks.models import WebhookDelivery, WebhookSubscription, new_secret

LOG_PAGE_SIZE = 50


def subscriptions() -> list[WebhookSubscription]:
    """The current company's webhooks, oldest first."""
    return list(db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def get_subscription(subscription_id: int) -> WebhookSubscription:
    """The current company's webhook ``subscription_id``, else 404."""
    return db.first_or_404(select(WebhookSubscription).where(WebhookSubscription.id == subscription_id))


def get_delivery(delivery_id: int) -> WebhookDelivery:
    """The current company's delivery ``delivery_id``, else 404."""
    return db.first_or_404(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id))


def last_deliveries(subscription_ids: list[int]) -> dict[int, WebhookDelivery]:
    """The newest delivery of each webhook (one query per webhook, a handful per company)."""
    latest: dict[int, WebhookDelivery] = {}
    for subscription_id in subscription_ids:
        row = db.session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
            .order_by(WebhookDelivery.id.desc()).limit(1)
        ).first()
        if row is not None:
            latest[subscription_id] = row
    return latest


def deliveries_page(subscription: WebhookSubscription, before: int | None = None,
                    limit: int = LOG_PAGE_SIZE) -> tuple[list[WebhookDelivery], int | None]:
    """One keyset page of a webhook's deliveries, newest first; returns (rows, next ``before``)."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    if before is not None:
        stmt = stmt.where(WebhookDelivery.id < before)
    rows = list(db.session.scalars(stmt.order_by(WebhookDelivery.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def apply_form(subscription: WebhookSubscription, form: Any) -> None:
    """Copy the form's values onto ``subscription``."""
    subscription.url = form.url.data.strip()
    subscription.description = (form.description.data or "").strip()
    subscription.events = sorted(set(form.events.data or []))
    subscription.active = bool(form.active.data)


def rotate_secret(subscription: WebhookSubscription) -> str:
    """Give ``subscription`` a new signing secret (the old one stops working at once)."""
    subscription.secret = new_secret()
    return subscription.secret


def masked(secret: str) -> str:
    """The secret as shown after creation: its prefix and last four characters."""
    return f"{secret[:6]}…{secret[-4:]}"


def erase_person_deliveries(person_id: int) -> None:
    """Delete the current company's deliveries whose payload holds person ``person_id``'s data.

    Payloads are written by :func:`crm_platform.webhooks.events.emit_event` with the
    record's ``id`` first, so ``"person":{"id":42,`` finds them (and merges name the
    folded person as ``"merged_person_id":42``).
    """
    patterns = (f'%"person":{{"id":{int(person_id)},%', f'%"merged_person_id":{int(person_id)}}}%')
    db.session.execute(
        delete(WebhookDelivery)
        .where(or_(*(WebhookDelivery.payload.like(p) for p in patterns)))
        .execution_options(synchronize_session=False)
    )
