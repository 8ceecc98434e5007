"""Settings → Webhooks: subscriptions, their signing secret and their delivery log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, request, url_for
from flask_login import current_user, login_required

from crm_platform.audit.service import record
from crm_platform.companies.forms import SelectChoice
from crm_platform.errors import htmx_redirect
from crm_platform.numbers import parse_id
from crm_platform.extensions import db
from crm_platform.permissions import require_permission
from crm_platform.templating import render
from crm_platform.webhooks import services
from crm_platform.webhooks.delivery import BACKOFF_SECONDS, MAX_ATTEMPTS, redeliver
from crm_platform.webhooks.events import company_events
from crm_platform.webhooks.forms import SubscriptionForm
from crm_platform.webhooks.models import WebhookSubscription

bp = Blueprint("webhooks", __name__, url_prefix="/settings/webhooks", template_folder="templates")


def _choices() -> list[Any]:
    """The company's events as checkbox choices, grouped by noun (sorted by name)."""
    names = sorted(event.name for event in company_events())
    if SelectChoice is None:  # pragma: no cover - WTForms 3.2
        return [(name, name) for name in names]
    return [SelectChoice(name, name) for name in names]


def _descriptions() -> dict[str, str]:
    return {event.name: event.description for event in company_events()}


def _form_page(form: SubscriptionForm, subscription: WebhookSubscription | None, status: int) -> tuple[str, int]:
    return render("webhooks/form.html", block="webhook_form", status=status, form=form,
                  subscription=subscription, descriptions=_descriptions(), masked=services.masked)


@bp.get("")
@login_required
@require_permission("webhooks.manage")
def index() -> tuple[str, int]:
    """The company's webhooks with their events and latest delivery."""
    rows = services.subscriptions()
    return render("webhooks/index.html", subscriptions=rows, latest=services.last_deliveries([s.id for s in rows]))


@bp.route("/new", methods=["GET", "POST"])
@login_required
@require_permission("webhooks.manage")
def create() -> tuple[str, int]:
    """Subscribe a URL; the answer shows the new signing secret once."""
    form = SubscriptionForm(event_choices=_choices())
    if not form.validate_on_submit():
        return _form_page(form, None, 422 if request.method == "POST" else 200)
    subscription = WebhookSubscription(created_by_id=current_user.id)
    services.apply_form(subscription, form)
    db.session.add(subscription)
    db.session.flush()
    record("webhook_created", subscription.url)
    db.session.commit()
    return render("webhooks/secret.html", subscription=subscription, created=True, status=201)


@bp.route("/<int:webhook_subscription_id>", methods=["GET", "POST"])
@login_required
@require_permission("webhooks.manage")
def edit(webhook_subscription_id: int) -> Response | tuple[str, int]:
    """Change a webhook's URL, events or active flag."""
    subscription = services.get_subscription(webhook_subscription_id)
    form = SubscriptionForm(obj=subscription, event_choices=_choices())
    if not form.validate_on_submit():
        return _form_page(form, subscription, 422 if request.method == "POST" else 200)
    old_url = subscription.url
    services.apply_form(subscription, form)
    if subscription.url != old_url:
        record("webhook_url_changed", f"{old_url} → {subscription.url}")
    db.session.commit()
    flash("Webhook saved.", "success")
    return htmx_redirect(url_for("webhooks.index"))


@bp.post("/<int:webhook_subscription_id>/rotate")
@login_required
@require_permission("webhooks.manage")
def rotate(webhook_subscription_id: int) -> tuple[str, int]:
    """Replace the signing secret and show the new one once."""
    subscription = services.get_subscription(webhook_subscription_id)
    services.rotate_secret(subscription)
    record("webhook_secret_rotated", subscription.url)
    db.session.commit()
    return render("webhooks/secret.html", subscription=subscription, created=False)


@bp.post("/<int:webhook_subscription_id>/delete")
@login_required
@require_permission("webhooks.manage")
def delete(webhook_subscription_id: int) -> Response:
    """Delete a webhook and its delivery log."""
    subscription = services.get_subscription(webhook_subscription_id)
    record("webhook_deleted", subscription.url)
    db.session.delete(subscription)
    db.session.commit()
    flash("Webhook deleted.", "success")
    return htmx_redirect(url_for("webhooks.index"))


@bp.get("/<int:webhook_subscription_id>/deliveries")
@login_required
@require_permission("webhooks.manage")
def deliveries(webhook_subscription_id: int) -> tuple[str, int]:
    """The delivery log of one webhook, newest first, in keyset pages."""
    subscription = services.get_subscription(webhook_subscription_id)
    before = parse_id(request.args.get("before"))
    rows, next_before = services.deliveries_page(subscription, before)
    return render("webhooks/deliveries.html", block="delivery_rows", subscription=subscription, rows=rows,
                  next_before=next_before, max_attempts=MAX_ATTEMPTS, backoff=BACKOFF_SECONDS)


@bp.post("/deliveries/<int:webhook_delivery_id>/redeliver")
@login_required
@require_permission("webhooks.manage")
def redeliver_one(webhook_delivery_id: int) -> Response:
    """Send a delivery again now (same body and delivery id, a fresh signature)."""
    delivery = services.get_delivery(webhook_delivery_id)
    redeliver(delivery)
    db.session.commit()
    flash("Redelivery queued.", "success")
    return htmx_redirect(url_for("webhooks.deliveries", webhook_subscription_id=delivery.subscription_id))
