"""Signing in, navigating, CSRF failures and expired sessions in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from crm_platform.testing import TEST_PASSWORD

pytestmark = pytest.mark.e2e


def test_wrong_password_shows_inline_error_then_right_one_reaches_dashboard(page: Page) -> None:
    page.goto("/login")
    expect(page).to_have_title(re.compile("Sign in"))
    page.get_by_label("Email").fill("ada@acme.test")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    password = page.get_by_label("Password")
    expect(page.locator(".field.has-error .error")).to_have_text("The email or password is not right.")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_attribute("aria-describedby", "password-error")
    expect(page.get_by_label("Email")).to_have_value("ada@acme.test")  # kept, password not

    password.fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_text("Welcome back, Ada Admin")).to_be_visible()


def test_page_is_styled_and_scripts_load_under_the_csp(admin_page: Page) -> None:
    errors: list[str] = []
    admin_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    admin_page.reload()
    sidebar_width = admin_page.evaluate("getComputedStyle(document.querySelector('.sidebar')).width")
    assert sidebar_width == "244px", "app.css did not load"
    assert admin_page.evaluate("typeof window.htmx === 'object' && typeof window.crm === 'object'")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_sidebar_navigation_and_user_menu(admin_page: Page) -> None:
    nav = admin_page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    links = nav.get_by_role("link")
    assert links.count() >= 2, "the sidebar should list more than the dashboard"
    for index in range(1, links.count()):
        link = links.nth(index)
        href = link.get_attribute("href") or ""
        link.click()
        expect(admin_page).to_have_url(re.compile(re.escape(href) + r"$"))
        expect(nav.get_by_role("link").nth(index)).to_have_attribute("aria-current", "page")
        expect(admin_page.locator(".topbar-title h1")).not_to_be_empty()

    admin_page.locator(".user-menu summary").click()
    expect(admin_page.get_by_role("link", name="Account & security")).to_be_visible()
    admin_page.keyboard.press("Escape")
    expect(admin_page.get_by_role("link", name="Account & security")).to_be_hidden()


def test_only_the_current_sidebar_entry_is_active(admin_page: Page) -> None:
    nav = admin_page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("link", name="People").click()
    expect(nav.locator("a[aria-current=page]")).to_have_count(1)
    admin_page.goto("/people/new")
    expect(nav.locator("a[aria-current=page]")).to_have_text("People")


def test_company_switcher_changes_the_current_company(admin_page: Page) -> None:
    expect(admin_page.locator(".brand-name")).to_have_text("Acme")
    admin_page.get_by_label("Company").select_option(label="Globex")  # data-autosubmit, no button
    expect(admin_page.locator(".brand-name")).to_have_text("Globex")
    admin_page.wait_for_load_state()  # app.js (deferred) listens again
    admin_page.get_by_label("Company").select_option(label="Acme")
    expect(admin_page.locator(".brand-name")).to_have_text("Acme")


def test_sign_out_shows_a_toast_that_can_be_dismissed(page: Page, live_server, login) -> None:
    admin_page = login(live_server.user("leaving@acme.test", "member"))
    admin_page.locator(".user-menu summary").click()
    admin_page.get_by_role("button", name="Sign out").click()
    expect(admin_page).to_have_url(re.compile(r"/login$"))
    toast = admin_page.locator("#toasts .toast-success")
    expect(toast).to_have_text(re.compile("You are signed out"))
    toast.get_by_role("button", name="Dismiss").click()
    expect(toast).to_have_count(0)


def test_tampered_csrf_token_gets_a_friendly_400_page(page: Page) -> None:
    page.goto("/login")
    page.locator("input[name=csrf_token]").evaluate("el => el.value = 'tampered'")
    page.get_by_label("Email").fill("ada@acme.test")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 400
    expect(page.locator(".error-code")).to_have_text("400")
    expect(page.get_by_text("Your form expired or was not sent from this site")).to_be_visible()
    page.get_by_role("link", name="Go to sign in").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_lost_csrf_session_on_a_signed_in_form_is_handled(admin_page: Page) -> None:
    """The company switcher posts a form; a wrong token gives the error page, not a crash."""
    admin_page.locator(".company-switcher input[name=csrf_token]").evaluate("el => el.value = 'x'")
    admin_page.get_by_label("Company").select_option(label="Globex")
    expect(admin_page.locator(".error-code")).to_have_text("400")
    expect(admin_page.get_by_role("link", name="Back to the dashboard")).to_be_visible()
    expect(admin_page.locator(".sidebar")).to_be_visible()  # still inside the app shell


def test_expired_session_goes_back_to_sign_in(page: Page, live_server, login) -> None:
    email = live_server.user("expiring@acme.test", "member")
    login(email)
    page.context.clear_cookies()
    page.get_by_role("navigation").get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_session_deleted_on_the_server_redirects_htmx_requests_to_sign_in(page: Page, live_server, login) -> None:
    from sqlalchemy import delete

    from crm_platform.auth.models import AuthSession, User
    from crm_platform.extensions import db

    email = live_server.user("revoked@acme.test", "member")
    login(email)

    def revoke() -> None:
        user_id = db.session.scalars(db.select(User.id).where(User.email == email)).one()
        db.session.execute(delete(AuthSession).where(AuthSession.user_id == user_id))
        db.session.commit()

    live_server.run(revoke)
    # An htmx request from the stale page: the server answers HX-Redirect to /login.
    page.evaluate("htmx.ajax('GET', '/', {target: '#main', swap: 'innerHTML'})")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
