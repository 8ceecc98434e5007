"""The event catalogue (core events + ``crm_webhook_events``) and :func:`emit_event`."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select

from crm_platform.extensions import db
from crm_platform.models_base import utcnow
from crm_platform.plugins import runtime
from crm_platform.plugins.types import WebhookEvent
from crm_platform.tenancy import current_company_id
from crm_platform.webhooks.models import WebhookDelivery, WebhookSubscription, new_uid

EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")

CORE_EVENTS: tuple[WebhookEvent, ...] = (
    WebhookEvent("person.created", "A person was added"),
    WebhookEvent("person.updated", "A person's details changed (the changed fields are listed)"),
    WebhookEvent("person.deleted", "A person was deleted"),
    WebhookEvent("person.merged", "A duplicate person was merged into another one"),
    WebhookEvent("person.erased", "A person's personal data was erased on request (only the id is sent)"),
    WebhookEvent("organization.created", "An organization was added"),
    WebhookEvent("organization.updated", "An organization's details changed"),
    WebhookEvent("organization.deleted", "An organization was deleted"),
    WebhookEvent("organization.merged", "A duplicate organization was merged into another one"),
)

PERSON_FIELDS = ("id", "first_name", "last_name", "email", "phone", "job_title", "lifecycle_stage",
                 "organization_id", "owner_id", "created_at", "updated_at")
ORGANIZATION_FIELDS = ("id", "name", "website", "industry", "city", "country", "created_at", "updated_at")


def _validated(batches: list[Any]) -> list[WebhookEvent]:
    events: list[WebhookEvent] = []
    seen: set[str] = set()
    for batch in batches:
        for item in batch or []:
            if not isinstance(item, WebhookEvent):
                raise TypeError(f"crm_webhook_events must return WebhookEvent records, got {item!r}")
            if not EVENT_NAME.match(item.name):
                raise ValueError(f"webhook event name {item.name!r} must look like 'noun.verb'")
            if item.name in seen:
                raise ValueError(f"webhook event {item.name!r} is declared twice")
            seen.add(item.name)
            events.append(item)
    return events


def company_events(company_id: int | None = None) -> list[WebhookEvent]:
    """Events a company can subscribe to: the core's and those of its enabled plugins."""
    return _validated(runtime.hook("crm_webhook_events", company_id)())


def known_event_names() -> frozenset[str]:
    """Names declared by the core and every loaded plugin (enabled anywhere or not)."""
    return frozenset(e.name for e in _validated(current_app.extensions["crm"].pm.hook.crm_webhook_events()))


def json_default(value: Any) -> Any:
    """JSON for the values records hold: times as ISO 8601, decimals as strings."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def record_data(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The public fields of a record, for a payload."""
    return {name: getattr(row, name, None) for name in fields}


def changes_data(changes: dict[str, tuple[Any, Any]]) -> dict[str, dict[str, Any]]:
    """``{field: {"old": ..., "new": ...}}`` from the core's ``{field: (old, new)}``."""
    return {name: {"old": old, "new": new} for name, (old, new) in changes.items()}


def emit_event(name: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """Send event ``name`` with ``payload`` to the current company's subscriptions.

    ``name`` must be declared (core events or ``crm_webhook_events``); ``payload`` is a
    JSON-serialisable dict (datetimes and decimals are converted), sent as the
    envelope's ``data``. One delivery row per matching active subscription is added to
    the current transaction; the deliveries are queued only after it commits, so a
    rolled-back change sends nothing. Returns the new delivery rows.
    """
    if name not in known_event_names():
        raise LookupError(f"webhook event {name!r} is not declared (see crm_webhook_events)")
    company_id = current_company_id()
    if company_id is None:
        raise RuntimeError("emit_event needs a current company (use company_scope)")
    subscriptions = [
        s for s in db.session.scalars(select(WebhookSubscription).where(WebhookSubscription.active.is_(True)))
        if s.listens_to(name)
    ]
    if not subscriptions:
        return []
    now = utcnow()
    envelope = {"id": new_uid(), "type": name, "created_at": now.isoformat(), "company_id": company_id, "data": payload}
    body = json.dumps(envelope, default=json_default, separators=(",", ":"))
    deliveries = [
        WebhookDelivery(subscription_id=s.id, event=name, payload=body, status="pending", next_attempt_at=now)
        for s in subscriptions
    ]
    db.session.add_all(deliveries)
    db.session.flush()
    from crm_platform.webhooks.delivery import send_after_commit

    send_after_commit(db.session, [d.id for d in deliveries])
    return deliveries
