"""Settings → Webhooks in the browser: add a webhook, see the secret once, read the log, redeliver."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_e2e_contacts import create_person
from tests.http_receiver import http_receiver

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("CRM_SCREENSHOTS")  # a folder: save screenshots of the pages there


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_add_a_webhook_receive_an_event_and_redeliver(admin_page: Page, live_server) -> None:
    live_server.app.config["OUTBOUND_ALLOW_PRIVATE"] = True  # the receiver runs on loopback
    try:
        with http_receiver() as receiver:
            admin_page.goto("/settings/webhooks")
            admin_page.get_by_role("link", name=re.compile("Add (the first )?webhook")).first.click()
            expect(admin_page.get_by_role("heading", name="Add webhook")).to_be_visible()
            admin_page.get_by_label("Payload URL").fill(f"{receiver.url}/crm")
            admin_page.get_by_label("Description").fill("Shop sync")
            admin_page.get_by_label("person.created").check()
            admin_page.get_by_label("deal.stage_changed").check()
            _shot(admin_page, "webhook-form")
            admin_page.get_by_role("button", name="Add webhook").click()
            expect(admin_page.get_by_role("heading", name="Webhook added")).to_be_visible()
            secret = admin_page.locator("#webhook-secret").inner_text()
            assert secret.startswith("whsec_")
            _shot(admin_page, "webhook-secret")

            last = "Hook" + uuid.uuid4().hex[:6]
            create_person(admin_page, "Wendy", last)
            assert [r.json()["data"]["person"]["last_name"] for r in receiver.requests] == [last]

            admin_page.goto("/settings/webhooks")
            expect(admin_page.locator("#webhooks")).to_contain_text("Delivered")
            _shot(admin_page, "webhook-list")
            admin_page.get_by_role("link", name=re.compile("^Deliveries")).first.click()
            expect(admin_page.locator("#deliveries")).to_contain_text("HTTP 200")
            admin_page.get_by_role("button", name=re.compile("^Redeliver")).first.click()
            expect(admin_page.locator("#toasts .toast-success")).to_contain_text("Redelivery queued")
            assert len(receiver.requests) == 2
            _shot(admin_page, "webhook-log")
            admin_page.set_viewport_size({"width": 390, "height": 844})
            admin_page.reload()
            _shot(admin_page, "webhook-log-phone")
    finally:
        live_server.app.config["OUTBOUND_ALLOW_PRIVATE"] = False


def test_unsafe_url_shows_the_reason(admin_page: Page) -> None:
    admin_page.goto("/settings/webhooks/new")
    admin_page.get_by_label("Payload URL").fill("http://169.254.169.254/latest/meta-data")
    admin_page.get_by_label("person.deleted").check()
    admin_page.get_by_role("button", name="Add webhook").click()
    expect(admin_page.locator(".field.has-error .error")).to_contain_text("link-local address")
    _shot(admin_page, "webhook-form-error")
