"""The sales plugin's webhook events: deal.stage_changed, deal.won and deal.lost reach a real receiver."""

from __future__ import annotations

import pytest

from crm_platform.webhooks.events import company_events
from crm_platform.webhooks.testing import deliveries, signature_is_valid, subscribe
from tests.http_receiver import http_receiver


@pytest.fixture()
def receiver(app):
    app.config["OUTBOUND_ALLOW_PRIVATE"] = True  # the receiver listens on loopback
    with http_receiver() as running:
        yield running
    app.config["OUTBOUND_ALLOW_PRIVATE"] = False


def test_sales_declares_its_events(app, company):
    names = {event.name for event in company_events(company.id)}
    assert {"deal.stage_changed", "deal.won", "deal.lost", "person.created"} <= names


def test_moving_a_deal_emits_deal_stage_changed(receiver, logged_in_client, sales, company):
    subscription = subscribe(company, receiver.url, ["deal.stage_changed"])
    deal_id = sales.deal("Moving deal", stage=0, value="1250.50")
    response = logged_in_client.htmx("post", f"/sales/deals/{deal_id}/move", {"stage_id": sales.stage_ids[2], "position": 0},
                                     token_from="/sales/")
    assert response.status_code == 200
    (request,) = receiver.requests
    assert request.headers["X-CRM-Event"] == "deal.stage_changed"
    assert signature_is_valid(subscription.secret, request.headers, request.body)
    data = request.json()["data"]
    assert data["deal"]["id"] == deal_id and data["deal"]["value"] == "1250.50"
    assert data["deal"]["stage"]["id"] == sales.stage_ids[2]
    assert data["previous_stage"]["id"] == sales.stage_ids[0]
    assert [d.status for d in deliveries(company)] == ["succeeded"]


def test_won_and_lost_emit_their_events(receiver, logged_in_client, sales, company):
    subscribe(company, receiver.url, ["deal.won", "deal.lost"])
    won, lost = sales.deal("Winner"), sales.deal("Loser")
    url = f"/sales/deals/{won}"
    assert logged_in_client.post_form(f"{url}/won", {}, token_from=url).status_code == 303
    url = f"/sales/deals/{lost}"
    assert logged_in_client.post_form(f"{url}/lost", {"lost_reason": "Too expensive", "reason": "Too expensive"},
                                      token_from=url).status_code == 303
    events = [(r.headers["X-CRM-Event"], r.json()["data"]["deal"]["id"]) for r in receiver.requests]
    assert events == [("deal.won", won), ("deal.lost", lost)]
    assert receiver.requests[1].json()["data"]["deal"]["lost_reason"] == "Too expensive"
