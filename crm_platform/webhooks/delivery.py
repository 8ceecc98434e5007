"""Sending deliveries from the background queue: sign, POST, record, retry with backoff.

Deliveries are queued only after the transaction that created them commits (a
session ``after_commit`` listener), each attempt claims its row atomically (so two
workers never send the same delivery at once), and failures are retried after 1 min,
5 min, 30 min, 2 h and 12 h. A URL that became unsafe (DNS now points inside) fails
the delivery at once, without a request.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from huey import crontab
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from crm_platform.extensions import db
from crm_platform.jobs import huey, task, with_app_context
from crm_platform.models_base import utcnow
from crm_platform.outbound import OutboundError, UnsafeURLError, post_json
from crm_platform.tenancy import unscoped
from crm_platform.webhooks.models import WebhookDelivery
from crm_platform.webhooks.signing import signature_header

log = logging.getLogger(__name__)

BACKOFF_SECONDS: tuple[int, ...] = (60, 5 * 60, 30 * 60, 2 * 3600, 12 * 3600)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
LEASE = timedelta(minutes=2)  # a claimed attempt; a crashed worker's delivery is retried after it
TIMEOUT_SECONDS = 10.0
_PENDING = "crm_webhook_deliveries"


def aware(value: datetime | None) -> datetime | None:
    """``value`` as an aware UTC datetime (SQLite returns naive ones)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def backoff(attempts: int) -> timedelta | None:
    """The wait before the next attempt after ``attempts`` failed ones; None when none is left."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def send_after_commit(session: Session, delivery_ids: list[int]) -> None:
    """Queue ``delivery_ids`` once ``session`` commits (nothing is sent for a rollback)."""
    session.info.setdefault(_PENDING, []).extend(delivery_ids)


@event.listens_for(Session, "after_commit")
def _queue_committed(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    for delivery_id in ids or []:
        try:
            deliver_webhook(delivery_id)
        except Exception:  # the periodic sweep picks it up
            log.exception("could not queue webhook delivery %s", delivery_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _headers(delivery: WebhookDelivery, secret: str) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "X-CRM-Signature": signature_header(secret, timestamp, delivery.payload),
        "X-CRM-Event": delivery.event,
        "X-CRM-Delivery": delivery.uid,
    }


def _claim(session: Session, delivery_id: int, now: datetime) -> bool:
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now),
        )
        .values(next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def _record(delivery: WebhookDelivery, now: datetime, code: int | None, error: str, retry: bool) -> datetime | None:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = code
    delivery.last_error = error[:500]
    wait = backoff(delivery.attempts) if retry else None
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.next_attempt_at = "succeeded", None
        return None
    if wait is None:
        delivery.status, delivery.next_attempt_at = "failed", None
        return None
    delivery.status, delivery.next_attempt_at = "pending", now + wait
    return delivery.next_attempt_at


def attempt(delivery_id: int) -> str | None:
    """Make one attempt at delivery ``delivery_id`` if it is due; returns its new status.

    Returns None when the delivery is gone, finished, not due yet or being sent by
    another worker. Uses its own database session (it may run right after a commit).
    """
    now = utcnow()
    with unscoped(), Session(db.engine) as session:
        if not _claim(session, delivery_id, now):
            return None
        delivery = session.scalars(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)).one()
        subscription = delivery.subscription
        next_at: datetime | None = None
        if not subscription.active:
            _record(delivery, now, None, "Not sent: the webhook is paused.", retry=False)
        else:
            try:
                response = post_json(subscription.url, delivery.payload.encode("utf-8"),
                                     headers=_headers(delivery, subscription.secret), timeout=TIMEOUT_SECONDS)
            except UnsafeURLError as exc:
                _record(delivery, now, None, f"Refused, nothing was sent: {exc}", retry=False)
            except OutboundError as exc:
                next_at = _record(delivery, now, None, str(exc), retry=True)
            else:
                error = "" if 200 <= response.status < 300 else f"HTTP {response.status}: {response.body[:200]}"
                next_at = _record(delivery, now, response.status, error, retry=True)
        status = delivery.status
        session.commit()
    if next_at is not None:
        deliver_webhook.schedule(args=(delivery_id,), eta=next_at.astimezone(UTC).replace(tzinfo=None))
    return status


@task()
def deliver_webhook(delivery_id: int) -> None:
    """Background job: one attempt at a webhook delivery (retries schedule themselves)."""
    attempt(delivery_id)


def due_delivery_ids(limit: int = 200) -> list[int]:
    """Pending deliveries whose next attempt is overdue (their queued job was lost)."""
    with unscoped():
        stmt = (
            select(WebhookDelivery.id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= utcnow() - LEASE)
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
        )
        return list(db.session.scalars(stmt))


def sweep_due_deliveries() -> None:
    """Every 5 minutes: queue overdue deliveries again (a lost job, a worker that crashed)."""
    for delivery_id in due_delivery_ids():
        deliver_webhook(delivery_id)


sweep_task = huey.periodic_task(crontab(minute="*/5"), name="webhooks.sweep")(with_app_context(sweep_due_deliveries))


def redeliver(delivery: WebhookDelivery) -> None:
    """Make ``delivery`` due now and queue an attempt after the caller commits."""
    delivery.status = "pending"
    delivery.next_attempt_at = utcnow()
    delivery.last_error = ""
    send_after_commit(db.session, [delivery.id])


__all__: list[Any] = ["attempt", "backoff", "deliver_webhook", "redeliver", "send_after_commit"]
