"""Settings → Webhooks: admins subscribe URLs (checked against the SSRF policy), rotate secrets, delete."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.testing import make_user
from crm_platform.webhooks.models import WebhookSubscription
from crm_platform.webhooks.testing import subscribe

NEW = "/settings/webhooks/new"


def _rows(company, db):
    db.session.expire_all()
    with tenancy.company_scope(company.id):
        return list(db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def test_admin_adds_a_webhook_and_sees_the_secret_once(app, logged_in_client, company, db):
    app.config["OUTBOUND_ALLOW_PRIVATE"] = True
    try:
        page = logged_in_client.get(NEW).get_data(as_text=True)
        assert "person.created" in page and "organization.deleted" in page and "deal.stage_changed" in page
        response = logged_in_client.post_form(NEW, {"url": " http://127.0.0.1:9/hook ", "description": "Shop sync",
                                                    "events": ["person.created", "person.updated"], "active": "y"},
                                              token_from=NEW)
    finally:
        app.config["OUTBOUND_ALLOW_PRIVATE"] = False
    assert response.status_code == 201
    (row,) = _rows(company, db)
    assert (row.url, row.description, row.events, row.active) == (
        "http://127.0.0.1:9/hook", "Shop sync", ["person.created", "person.updated"], True)
    html = response.get_data(as_text=True)
    assert row.secret.startswith("whsec_") and row.secret in html
    edit = logged_in_client.get(f"/settings/webhooks/{row.id}").get_data(as_text=True)
    assert row.secret not in edit and row.secret[-4:] in edit
    listing = logged_in_client.get("/settings/webhooks").get_data(as_text=True)
    assert "http://127.0.0.1:9/hook" in listing and "Active" in listing and row.secret not in listing


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://2130706433/", "http://[::ffff:127.0.0.1]/",
                                 "http://169.254.169.254/latest", "http://0x7f.1/", "ftp://example.com/",
                                 "http://user:pw@example.com/", "http://localhost:8080/hook"])
def test_unsafe_urls_are_refused_at_save(logged_in_client, company, db, url):
    response = logged_in_client.post_form(NEW, {"url": url, "events": ["person.created"], "active": "y"}, token_from=NEW)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'class="error"[^>]*>[^<]*(not allowed|only http)', html), html
    assert _rows(company, db) == []


def test_a_webhook_needs_events_from_the_list(logged_in_client, company, db):
    for events in ([], ["rocket.launched"]):
        response = logged_in_client.post_form(NEW, {"url": "https://example.com/h", "events": events}, token_from=NEW)
        assert response.status_code == 422
    assert _rows(company, db) == []


def test_edit_rotate_and_delete(logged_in_client, company, db):
    row = subscribe(company, "https://example.com/old", ["person.created"])
    old_secret = row.secret
    url = f"/settings/webhooks/{row.id}"
    response = logged_in_client.post_form(url, {"url": "https://example.com/new", "events": ["person.deleted"]}, token_from=url)
    assert response.status_code == 303
    (row,) = _rows(company, db)
    assert (row.url, row.events, row.active) == ("https://example.com/new", ["person.deleted"], False)
    bad = logged_in_client.post_form(url, {"url": "http://10.0.0.1/", "events": ["person.deleted"]}, token_from=url)
    assert bad.status_code == 422 and _rows(company, db)[0].url == "https://example.com/new"
    rotated = logged_in_client.post_form(f"{url}/rotate", {}, token_from=url)
    (row,) = _rows(company, db)
    assert rotated.status_code == 200 and row.secret != old_secret and row.secret in rotated.get_data(as_text=True)
    assert logged_in_client.post_form(f"{url}/delete", {}, token_from=url).status_code == 303
    assert _rows(company, db) == []


def test_htmx_edits_swap_the_form_or_redirect(logged_in_client, company):
    row = subscribe(company, "https://example.com/h", ["person.created"])
    url = f"/settings/webhooks/{row.id}"
    assert f'hx-post="{url}"' in logged_in_client.get(url).get_data(as_text=True)
    response = logged_in_client.htmx("post", url, {"url": "http://localhost./x", "events": ["person.created"]}, token_from=url)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="webhook-form">') and "<html" not in html and "loopback" in html
    ok = logged_in_client.htmx("post", url, {"url": "https://example.com/v2", "events": ["person.created"]}, token_from=url)
    assert ok.status_code == 200 and ok.headers["HX-Redirect"] == "/settings/webhooks"


@pytest.mark.parametrize("role", ["member", "readonly"])
def test_only_owners_and_admins_manage_webhooks(client, company, db, role):
    row = subscribe(company, "https://example.com/h", ["person.created"])
    from crm_platform.webhooks.models import WebhookDelivery

    with tenancy.company_scope(company.id):
        delivery = WebhookDelivery(subscription_id=row.id, event="person.created", payload="{}", status="failed")
        db.session.add(delivery)
        db.session.commit()
        delivery_id = delivery.id
    user = make_user(company, f"{role}@acme.test", role)
    client.login(user.email)
    base = f"/settings/webhooks/{row.id}"
    for path in ("/settings/webhooks", NEW, base, f"{base}/deliveries"):
        assert client.get(path).status_code == 403, path
    for path in (NEW, base, f"{base}/rotate", f"{base}/delete", f"/settings/webhooks/deliveries/{delivery_id}/redeliver"):
        assert client.post_form(path, {"url": "https://example.com/x", "events": ["person.created"]}, token_from="/").status_code == 403, path
    (after,) = _rows(company, db)
    assert (after.url, after.secret) == (row.url, row.secret)
    assert 'href="/settings/webhooks"' not in client.get("/").get_data(as_text=True)


def test_admins_see_the_settings_link(logged_in_client):
    assert 'href="/settings/webhooks"' in logged_in_client.get("/").get_data(as_text=True)
