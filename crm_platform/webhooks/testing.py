"""Helpers for webhook tests (core and plugins): subscribe a receiver, read deliveries, verify signatures."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.extensions import db
from crm_platform.webhooks.models import WebhookDelivery, WebhookSubscription


def subscribe(company: Any, url: str, events: list[str], active: bool = True) -> WebhookSubscription:
    """Add a webhook for ``company`` directly in the database (committed)."""
    with tenancy.company_scope(company.id):
        subscription = WebhookSubscription(url=url, events=events, active=active)
        db.session.add(subscription)
        db.session.commit()
        return subscription


def deliveries(company: Any) -> list[WebhookDelivery]:
    """Every delivery of ``company``, oldest first, fresh from the database."""
    db.session.expire_all()
    with tenancy.company_scope(company.id):
        return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def signature_is_valid(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Verify ``X-CRM-Signature`` the way the README tells receivers to (independent of the signer)."""
    fields = dict(item.split("=", 1) for item in headers["X-CRM-Signature"].split(","))
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])
