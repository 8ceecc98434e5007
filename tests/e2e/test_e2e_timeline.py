"""The timeline in the browser: a note with an @mention picked from the list, a task ticked done."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

NO_RELOAD = "window.__sameDocument = true"  # survives htmx swaps, lost on a full page load
SHOTS = os.environ.get("CRM_E2E_SCREENSHOTS")  # a folder: keep screenshots of the composer there


def new_person(page: Page) -> str:
    last = "Timeline" + uuid.uuid4().hex[:6]
    page.goto("/people/new")
    page.get_by_label("First name").fill("Mira")
    page.get_by_label("Last name").fill(last)
    page.get_by_role("button", name="Add person").click()
    expect(page).to_have_url(re.compile(r"/people/\d+$"))
    page.wait_for_load_state()
    return last


def test_note_with_a_mention_and_a_task_ticked_done(admin_page: Page, live_server) -> None:
    live_server.user("mentioned@acme.test", "member", name="Zoe Mentioned")
    new_person(admin_page)
    admin_page.evaluate(NO_RELOAD)
    form = admin_page.locator("#note-form")
    body = form.get_by_role("textbox", name="Note")

    body.click()
    body.press_sequentially("Please call back @Zoe")
    options = admin_page.locator("#mention-list .mention-option")
    expect(options.first).to_contain_text("Zoe Mentioned")
    expect(body).to_have_attribute("aria-expanded", "true")
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        admin_page.locator(".timeline").screenshot(path=f"{SHOTS}/mention-list.png")
    body.press("Enter")  # keyboard pick
    expect(admin_page.locator("#mention-list")).to_be_hidden()
    expect(body).to_have_value(re.compile(r"^Please call back @\[Zoe Mentioned\]\(user:\d+\) $"))
    body.press_sequentially("about **the renewal**")
    form.get_by_role("button", name="Add to timeline").click()
    entry = admin_page.locator("#timeline-list .timeline-entry").first
    expect(entry.locator(".mention")).to_have_text("@Zoe Mentioned")
    expect(entry.locator("strong")).to_have_text("the renewal")
    assert admin_page.evaluate("window.__sameDocument === true"), "the page reloaded"

    def notified() -> list[str]:
        from sqlalchemy import select

        from crm_platform import tenancy
        from crm_platform.auth.models import User
        from crm_platform.extensions import db
        from crm_platform.timeline.models import Notification

        with tenancy.unscoped():
            zoe = db.session.scalars(select(User).where(User.email == "mentioned@acme.test")).one()
            return list(db.session.scalars(select(Notification.kind).where(Notification.user_id == zoe.id)))

    assert live_server.run(notified) == ["mention"]

    form.locator("label[for=composer-kind-task]").click()
    expect(form.get_by_label("Assignee")).to_be_visible()
    expect(form.get_by_label("Attachments")).to_be_hidden()
    form.get_by_role("textbox", name="Note").fill("Send the contract")
    form.get_by_label("When").fill("2030-05-04T10:30")
    form.get_by_label("Assignee").select_option(label="Ada Admin")
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        admin_page.screenshot(path=f"{SHOTS}/composer-1280.png", full_page=True)
    form.get_by_role("button", name="Add to timeline").click()
    task = admin_page.locator("#timeline-list .timeline-task").first
    expect(task).to_contain_text("Send the contract")
    expect(task).to_contain_text("4 May 2030, 10:30")
    task.get_by_label("Mark done").check()
    done = admin_page.locator("#timeline-list .timeline-task").first
    expect(done).to_have_class(re.compile(r"\bis-done\b"))
    expect(done.get_by_label("Done")).to_be_checked()
    assert admin_page.evaluate("window.__sameDocument === true"), "the page reloaded"
    admin_page.reload()
    expect(admin_page.locator("#timeline-list .timeline-task").first).to_have_class(re.compile(r"\bis-done\b"))

    if SHOTS:
        admin_page.set_viewport_size({"width": 375, "height": 812})
        admin_page.screenshot(path=f"{SHOTS}/person-375.png", full_page=True)
        admin_page.set_viewport_size({"width": 1280, "height": 800})
        admin_page.screenshot(path=f"{SHOTS}/person-1280.png", full_page=True)
        context = admin_page.context.browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 700})
        zoe = context.new_page()
        zoe.goto("/login")
        zoe.get_by_label("Email").fill("mentioned@acme.test")
        zoe.get_by_label("Password").fill("correct horse battery staple")
        zoe.get_by_role("button", name="Sign in").click()
        zoe.wait_for_url(lambda u: "/login" not in u)
        expect(zoe.locator("#notification-bell .bell-count")).to_have_text("1")
        zoe.locator("#notification-bell").click()
        expect(zoe.locator(".notification")).to_contain_text("Ada Admin mentioned you")
        zoe.screenshot(path=f"{SHOTS}/notifications-1280.png")
        context.close()
