"""The responsive shell (phone drawer, no sideways scrolling), toasts, and page screenshots."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from crm_platform.testing import TEST_PASSWORD

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def assert_no_sideways_scroll(page: Page) -> None:
    assert page.evaluate(OVERFLOW) <= 0, f"{page.url} scrolls sideways"


def test_phone_sidebar_opens_with_the_hamburger_and_closes_on_the_scrim(admin_page: Page) -> None:
    admin_page.set_viewport_size(PHONE)
    sidebar = admin_page.locator("#sidebar")
    menu = admin_page.get_by_role("button", name="Open menu")
    expect(menu).to_be_visible()
    expect(sidebar).to_be_hidden()  # off-canvas and invisible to keyboard and screen readers
    assert_no_sideways_scroll(admin_page)

    menu.click()
    expect(sidebar).to_be_visible()
    expect(sidebar.get_by_role("link", name="Dashboard")).to_be_in_viewport()
    admin_page.locator(".scrim").click(position={"x": 350, "y": 400})
    expect(sidebar).to_be_hidden()

    menu.focus()  # a <label>: app.js makes Enter work like on a button
    admin_page.keyboard.press("Enter")
    expect(sidebar).to_be_visible()
    expect(sidebar.get_by_role("link").first).to_be_focused()
    admin_page.keyboard.press("Escape")
    expect(sidebar).to_be_hidden()
    expect(menu).to_be_focused()


@pytest.mark.parametrize("path", ["/", "/account", "/people", "/people/new", "/organizations", "/no-such-page"])
def test_phone_pages_do_not_scroll_sideways(admin_page: Page, path: str) -> None:
    admin_page.set_viewport_size(PHONE)
    admin_page.goto(path)
    assert_no_sideways_scroll(admin_page)


def test_phone_sign_in_page_fits(page: Page) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/login")
    assert_no_sideways_scroll(page)
    box = page.locator(".auth-card").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_desktop_shows_the_sidebar_without_a_hamburger(admin_page: Page) -> None:
    expect(admin_page.locator("#sidebar")).to_be_visible()
    expect(admin_page.get_by_role("button", name="Open menu")).to_be_hidden()
    assert_no_sideways_scroll(admin_page)


def test_toast_from_hx_trigger_and_error_toast_for_5xx(admin_page: Page) -> None:
    admin_page.evaluate("""document.body.dispatchEvent(new CustomEvent('toast',
        {bubbles: true, detail: {message: 'Saved it', level: 'success'}}))""")
    expect(admin_page.locator("#toasts .toast-success")).to_have_text(re.compile("Saved it"))
    admin_page.route("**/boom", lambda route: route.fulfill(status=502, body="bad gateway"))
    admin_page.evaluate("htmx.ajax('GET', '/boom', {target: '#main'})")
    expect(admin_page.locator("#toasts .toast-error")).to_contain_text("502")
    expect(admin_page.locator("#main")).not_to_have_text("bad gateway")


def test_htmx_404_shows_the_servers_error_fragment_as_a_toast(admin_page: Page) -> None:
    admin_page.evaluate("htmx.ajax('GET', '/no-such-page', {target: '#main'})")
    expect(admin_page.locator("#toasts .toast-error")).to_contain_text("Not found")
    expect(admin_page.get_by_text("Welcome back")).to_be_visible()  # page left alone


def test_toasts_disappear_by_themselves(admin_page: Page) -> None:
    admin_page.evaluate("crm.toast('Short-lived', 'info')")
    toast = admin_page.locator("#toasts .toast-info")
    expect(toast).to_be_visible()
    expect(toast).to_have_count(0, timeout=8000)


def _shoot(page: Page, folder: Path, name: str) -> None:
    page.wait_for_load_state("networkidle")
    png = page.screenshot(path=str(folder / f"{name}.png"), full_page=True, animations="disabled")
    assert png.startswith(b"\x89PNG"), name


def test_screenshots_of_the_main_pages(page: Page) -> None:
    """Screenshots for people to look at (``CRM_SCREENSHOT_DIR``, default test-results/screenshots)."""
    folder = Path(os.environ.get("CRM_SCREENSHOT_DIR") or "test-results/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.context.clear_cookies()
        page.set_viewport_size(size)
        page.goto("/login")
        _shoot(page, folder, f"login-{label}")
        page.get_by_label("Email").fill("ada@acme.test")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator(".field .error")).to_be_visible()
        _shoot(page, folder, f"login-error-{label}")
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        _shoot(page, folder, f"dashboard-{label}")
        page.goto("/people")
        _shoot(page, folder, f"people-{label}")
        if label == "phone":
            page.get_by_role("button", name="Open menu").click()
            page.wait_for_timeout(300)
            _shoot(page, folder, "menu-phone")


def test_data_confirm_asks_before_a_destructive_form_is_sent(admin_page: Page, live_server) -> None:
    live_server.user("rita@acme.test", "member", name="Rita Removable")
    admin_page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Team").click()
    expect(admin_page.get_by_role("heading", name="Team", level=1)).to_be_visible()
    admin_page.wait_for_load_state()  # app.js (deferred) listens for submit
    remove = admin_page.get_by_role("button", name="Remove Rita Removable")
    questions: list[str] = []

    def answer(accept: bool):
        return lambda dialog: (questions.append(dialog.message), dialog.accept() if accept else dialog.dismiss())

    admin_page.once("dialog", answer(False))
    remove.click()
    expect(remove).to_be_visible()  # nothing was sent
    admin_page.once("dialog", answer(True))
    remove.click()
    expect(admin_page.get_by_role("button", name="Remove Rita Removable")).to_have_count(0)
    assert questions and all("Rita Removable" in q for q in questions)


CONTRAST_JS = (Path(__file__).parent / "contrast.js").read_text()


def test_text_contrast_meets_wcag_aa(admin_page: Page, page: Page) -> None:
    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()  # with inline errors
    low = [f"/login: {f}" for f in page.evaluate(CONTRAST_JS)]
    for path in ("/", "/people", "/people/new", "/organizations", "/account/", "/no-such-page"):
        admin_page.goto(path)
        low += [f"{path}: {f}" for f in admin_page.evaluate(CONTRAST_JS)]
    admin_page.goto("/people")
    admin_page.locator("#people-results tbody a").first.click()
    admin_page.wait_for_url(re.compile(r"/people/\d+$"))
    admin_page.evaluate("crm.toast('Saved', 'success')")
    low += [f"person: {f}" for f in admin_page.evaluate(CONTRAST_JS)]
    assert not low, "\n".join(low)
