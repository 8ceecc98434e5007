"""Webhook deliveries: signed, sent after commit to a real receiver, retried with backoff, redelivered."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.contacts import services as contacts
from crm_platform.contacts.models import Organization, Person
from crm_platform.jobs import huey
from crm_platform.models_base import utcnow
from crm_platform.webhooks import delivery as sender
from crm_platform.webhooks.delivery import BACKOFF_SECONDS, MAX_ATTEMPTS, aware
from crm_platform.webhooks.events import emit_event
from crm_platform.webhooks.models import WebhookDelivery
from crm_platform.webhooks.signing import signature_header, verify
from crm_platform.webhooks.testing import deliveries, signature_is_valid, subscribe
from tests.http_receiver import http_receiver


@pytest.fixture()
def allow_private(app):
    """The operator setting that lets the loopback receiver be a target."""
    app.config["OUTBOUND_ALLOW_PRIVATE"] = True
    yield
    app.config["OUTBOUND_ALLOW_PRIVATE"] = False


@pytest.fixture()
def receiver():
    with http_receiver() as running:
        yield running


def _make_due(delivery_id: int, db) -> None:
    with tenancy.unscoped():
        row = db.session.get(WebhookDelivery, delivery_id)
        row.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


def test_person_created_is_delivered_signed(allow_private, receiver, logged_in_client, company):
    subscription = subscribe(company, f"{receiver.url}/hooks/crm", ["person.created"])
    response = logged_in_client.post_form("/people", {"first_name": "Grace", "last_name": "Hopper",
                                                      "email": "grace@navy.mil", "lifecycle_stage": "lead"},
                                          token_from="/people/new")
    assert response.status_code in (200, 303)
    (request,) = receiver.requests
    assert request.method == "POST" and request.path == "/hooks/crm"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-CRM-Event"] == "person.created"
    assert signature_is_valid(subscription.secret, request.headers, request.body)
    assert not signature_is_valid("whsec_wrong", request.headers, request.body)
    timestamp = int(dict(p.split("=", 1) for p in request.headers["X-CRM-Signature"].split(","))["t"])
    assert abs(time.time() - timestamp) < 300
    envelope = request.json()
    assert envelope["type"] == "person.created" and envelope["company_id"] == company.id
    assert envelope["data"]["person"]["email"] == "grace@navy.mil"
    (row,) = deliveries(company)
    assert request.headers["X-CRM-Delivery"] == row.uid
    assert (row.status, row.attempts, row.last_status_code) == ("succeeded", 1, 200)
    assert row.payload.encode() == request.body


def test_signature_helpers_round_trip():
    header = signature_header("whsec_x", 1_700_000_000, '{"a":1}')
    assert verify("whsec_x", header, '{"a":1}', now=1_700_000_100)
    assert not verify("whsec_x", header, '{"a":2}', now=1_700_000_100)
    assert not verify("whsec_x", header, '{"a":1}', now=1_700_001_000)  # too old: replay
    assert not verify("whsec_y", header, '{"a":1}', now=1_700_000_100)
    assert not verify("whsec_x", "garbage", '{"a":1}')


def test_a_500_is_retried_with_exponential_backoff(allow_private, receiver, company, db):
    subscribe(company, receiver.url, ["person.created"])
    receiver.statuses.extend([500] * MAX_ATTEMPTS)
    with tenancy.company_scope(company.id):
        contacts.create_person(Person(first_name="Retry", last_name="Me"))
        db.session.commit()
    (row,) = deliveries(company)
    assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 500)
    assert "HTTP 500" in row.last_error
    assert aware(row.next_attempt_at) - aware(row.last_attempt_at) == timedelta(seconds=60)
    scheduled = [t for t in huey.scheduled() if t.name.endswith("deliver_webhook") and t.args == (row.id,)]
    assert scheduled, "the retry is scheduled in the queue"
    assert sender.attempt(row.id) is None, "not due yet: nothing is sent"
    assert len(receiver.requests) == 1
    waits = []
    for _ in range(MAX_ATTEMPTS - 1):
        _make_due(row.id, db)
        sender.attempt(row.id)
        (row,) = deliveries(company)
        if row.next_attempt_at is not None:
            waits.append((aware(row.next_attempt_at) - aware(row.last_attempt_at)).total_seconds())
    assert waits == list(BACKOFF_SECONDS[1:])
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", MAX_ATTEMPTS, None)
    assert len(receiver.requests) == MAX_ATTEMPTS


def test_a_retry_succeeds_after_a_500(allow_private, receiver, company, db):
    subscribe(company, receiver.url, ["organization.created"])
    receiver.statuses.append(500)
    with tenancy.company_scope(company.id):
        contacts.create_organization(Organization(name="Flaky Ltd"))
        db.session.commit()
    (row,) = deliveries(company)
    assert row.status == "pending"
    _make_due(row.id, db)
    assert sender.attempt(row.id) == "succeeded"
    (row,) = deliveries(company)
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == ("succeeded", 2, 200, "")
    assert receiver.requests[0].headers["X-CRM-Delivery"] == receiver.requests[1].headers["X-CRM-Delivery"]


def test_redeliver_and_the_log_show_status_codes(allow_private, receiver, logged_in_client, company, db):
    subscription = subscribe(company, receiver.url, ["person.created"])
    receiver.statuses.append(503)
    with tenancy.company_scope(company.id):
        contacts.create_person(Person(first_name="Log", last_name="Me"))
        db.session.commit()
    log_url = f"/settings/webhooks/{subscription.id}/deliveries"
    html = logged_in_client.get(log_url).get_data(as_text=True)
    assert "HTTP 503" in html and "Retrying" in html and "person.created" in html
    (row,) = deliveries(company)
    response = logged_in_client.post_form(f"/settings/webhooks/deliveries/{row.id}/redeliver", {}, token_from=log_url)
    assert response.status_code == 303 and response.headers["Location"].endswith(log_url)
    assert len(receiver.requests) == 2
    (row,) = deliveries(company)
    assert (row.status, row.attempts, row.last_status_code) == ("succeeded", 2, 200)
    html = logged_in_client.get(log_url).get_data(as_text=True)
    assert "HTTP 200" in html and "Delivered" in html
    # CSRF is required: a POST without the token changes nothing.
    assert logged_in_client.post(f"/settings/webhooks/deliveries/{row.id}/redeliver").status_code == 400
    assert len(receiver.requests) == 2


def test_unsafe_at_send_time_fails_without_a_request(allow_private, receiver, app, company, db):
    subscribe(company, receiver.url, ["person.created"])
    app.config["OUTBOUND_ALLOW_PRIVATE"] = False  # the operator turned the setting off (or DNS changed)
    with tenancy.company_scope(company.id):
        contacts.create_person(Person(first_name="No", last_name="Send"))
        db.session.commit()
    (row,) = deliveries(company)
    assert row.status == "failed" and row.attempts == 1 and row.last_status_code is None
    assert row.last_error.startswith("Refused, nothing was sent") and "loopback" in row.last_error
    assert receiver.requests == []


def test_a_rolled_back_change_sends_nothing(allow_private, receiver, company, db):
    subscribe(company, receiver.url, ["person.created"])
    with tenancy.company_scope(company.id):
        contacts.create_person(Person(first_name="Never", last_name="Saved"))
        db.session.rollback()
    assert deliveries(company) == []
    assert receiver.requests == []


def test_events_never_reach_another_companys_webhooks(allow_private, company, other_company, db):
    with http_receiver() as ours, http_receiver() as theirs:
        subscribe(company, ours.url, ["person.created"])
        subscribe(other_company, theirs.url, ["person.created", "person.updated"])
        with tenancy.company_scope(company.id):
            contacts.create_person(Person(first_name="Only", last_name="Ours"))
            db.session.commit()
    assert len(ours.requests) == 1 and theirs.requests == []
    assert deliveries(other_company) == []


def test_only_matching_active_subscriptions_receive(allow_private, company, db):
    with http_receiver() as updates, http_receiver() as paused:
        subscribe(company, updates.url, ["person.updated", "person.deleted"])
        subscribe(company, paused.url, ["person.created", "person.updated"], active=False)
        with tenancy.company_scope(company.id):
            person = Person(first_name="Ada", last_name="L", email="ada@old.test")
            contacts.create_person(person)
            db.session.commit()
            before = contacts.snapshot(person, ["email", "job_title"])
            person.email = "ada@new.test"
            contacts.update_person(person, before)
            db.session.commit()
            contacts.delete_person(person)
            db.session.commit()
    assert [r.headers["X-CRM-Event"] for r in updates.requests] == ["person.updated", "person.deleted"]
    changes = updates.requests[0].json()["data"]["changes"]
    assert changes == {"email": {"old": "ada@old.test", "new": "ada@new.test"}}
    assert paused.requests == []


def test_emit_event_refuses_undeclared_names(app, company):
    with tenancy.company_scope(company.id), pytest.raises(LookupError):
        emit_event("rocket.launched", {})


def test_the_sweep_requeues_overdue_deliveries(allow_private, receiver, company, db):
    subscribe(company, receiver.url, ["person.created"])
    receiver.statuses.append(500)
    with tenancy.company_scope(company.id):
        contacts.create_person(Person(first_name="Lost", last_name="Job"))
        db.session.commit()
    (row,) = deliveries(company)
    with tenancy.unscoped():
        db.session.get(WebhookDelivery, row.id).next_attempt_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    sender.sweep_due_deliveries()
    (row,) = deliveries(company)
    assert row.status == "succeeded" and len(receiver.requests) == 2
    assert json.loads(row.payload)["type"] == "person.created"


def test_erasing_a_person_drops_their_logged_payloads_and_sends_person_erased(allow_private, receiver, company, db):
    from crm_platform.privacy.service import erase_person

    subscribe(company, receiver.url, ["person.created", "person.erased"])
    with tenancy.company_scope(company.id):
        keep = Person(first_name="Keep", last_name="Me")
        gone = Person(first_name="Forget", last_name="Me", email="forget@me.mil")
        contacts.create_person(keep)
        contacts.create_person(gone)
        db.session.commit()
        gone_id = gone.id
        erase_person(gone)
        db.session.commit()
    rows = deliveries(company)
    assert [(r.event, json.loads(r.payload)["data"]["person"]["id"]) for r in rows] == [
        ("person.created", keep.id), ("person.erased", gone_id)]
    assert "forget@me.mil" not in rows[1].payload
    assert receiver.requests[-1].json()["data"] == {"person": {"id": gone_id}}
