"""People pages in the browser: create (two emails), edit, click-to-edit, search as you type, notes with htmx."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

NO_RELOAD = "window.__sameDocument = true"  # survives htmx swaps, lost on a full page load


def unique_name() -> str:
    return "Quill" + uuid.uuid4().hex[:8]


FIELDS = {"email": "#emails-0-email", "phone": "#phones-0-number", "job_title": "#organizations-0-role"}


def create_person(page: Page, first: str, last: str, **fields: str) -> str:
    """Fill the new-person form and return the person's page URL."""
    page.goto("/people")
    page.get_by_role("link", name="Add person").click()
    expect(page.get_by_role("heading", name="New person")).to_be_visible()
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    for name, value in fields.items():
        page.locator(FIELDS[name]).fill(value)
    page.get_by_role("button", name="Add person").click()
    expect(page).to_have_url(re.compile(r"/people/\d+$"))
    page.wait_for_load_state()  # htmx is set up (deferred scripts ran)
    return page.url


def test_create_and_edit_a_person(admin_page: Page) -> None:
    last = unique_name()
    url = create_person(admin_page, "Zelda", last, email=f"{last.lower()}@example.com")
    expect(admin_page.get_by_role("heading", name=f"Zelda {last}", level=1)).to_be_visible()
    expect(admin_page.locator("#toasts .toast-success")).to_contain_text("was added")

    admin_page.get_by_role("link", name="Edit", exact=True).click()
    admin_page.locator("#organizations-0-organization_id").select_option(index=1)
    admin_page.locator("#organizations-0-role").fill("Head of Procurement")
    admin_page.get_by_label("Lifecycle stage").select_option("customer")
    admin_page.get_by_role("button", name="Save").click()
    expect(admin_page).to_have_url(url)
    expect(admin_page.locator("#person-header")).to_contain_text("Head of Procurement")
    expect(admin_page.locator("#person-header .badge-customer")).to_have_text("Customer")
    expect(admin_page.locator("#toasts .toast-success")).to_contain_text("was saved")


def test_two_emails_click_to_edit_and_an_inline_phone_error(admin_page: Page) -> None:
    last = unique_name()
    admin_page.goto("/people/new")
    admin_page.get_by_label("First name").fill("Twyla")
    admin_page.get_by_label("Last name").fill(last)
    admin_page.locator("#emails-0-email").fill(f"{last.lower()}@work.example")
    admin_page.get_by_role("button", name="+ Add email").click()
    second = admin_page.locator("#emails-rows [data-row]").nth(1)
    second.locator("input[type=email]").fill(f"{last.lower()}@home.example")
    second.locator("select").select_option("home")
    second.get_by_label("Primary").check()
    admin_page.get_by_role("button", name="Add person").click()
    expect(admin_page).to_have_url(re.compile(r"/people/\d+$"))
    admin_page.wait_for_load_state()
    emails = admin_page.locator("#inline-person-email")
    expect(emails).to_contain_text(f"{last.lower()}@work.example")
    expect(admin_page.locator("#person-header")).to_contain_text(f"{last.lower()}@home.example")  # the primary one
    admin_page.evaluate(NO_RELOAD)

    admin_page.locator("#inline-person-stage .inline-value").click()  # click-to-edit
    admin_page.locator("#inline-lifecycle_stage").select_option("prospect")
    admin_page.locator("#inline-person-stage").get_by_role("button", name="Save").click()
    expect(admin_page.locator("#inline-person-stage .badge-prospect")).to_have_text("Prospect")
    expect(admin_page.locator("#person-header .badge-prospect")).to_be_visible()  # key facts follow (out-of-band)

    admin_page.locator("#inline-person-phone .inline-value").click()
    phone = admin_page.locator("#inline-phone")
    phone.fill("call me")
    admin_page.locator("#inline-person-phone").get_by_role("button", name="Save").click()
    expect(admin_page.locator("#inline-person-phone .error")).to_contain_text("is not a phone number")
    expect(phone).to_have_value("call me")
    phone.press("Escape")  # cancels: the display comes back
    expect(admin_page.locator("#inline-person-phone .inline-edit-button")).to_be_visible()
    assert admin_page.evaluate("window.__sameDocument === true"), "the page reloaded"
    admin_page.reload()
    expect(admin_page.locator("#inline-person-stage")).to_contain_text("Prospect")


def test_person_form_shows_inline_errors(admin_page: Page) -> None:
    admin_page.goto("/people/new")
    admin_page.locator("#emails-0-email").fill("not-an-email")
    admin_page.get_by_role("button", name="Add person").click()
    first = admin_page.get_by_label("First name")
    expect(first).to_have_attribute("aria-invalid", "true")
    expect(admin_page.locator("#first_name-error")).to_have_text("Enter a first or a last name.")
    expect(admin_page.locator("#emails-0-email-error")).to_have_text("Enter a valid email address.")
    expect(admin_page.locator("#emails-0-email")).to_have_value("not-an-email")


def test_search_as_you_type_updates_the_list_without_reloading(admin_page: Page) -> None:
    last = unique_name()
    create_person(admin_page, "Searchable", last)
    admin_page.goto("/people")
    admin_page.evaluate(NO_RELOAD)
    rows = admin_page.locator("#people-results tbody tr")
    expect(rows.first).to_be_visible()

    admin_page.get_by_role("searchbox", name="Search people").press_sequentially(last, delay=30)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"Searchable {last}")
    expect(admin_page).to_have_url(re.compile(r"[?&]q=" + last))  # pushed: the search is bookmarkable
    assert admin_page.evaluate("window.__sameDocument === true"), "the page reloaded"

    admin_page.get_by_role("searchbox", name="Search people").fill("zz-nobody-has-this-name")
    expect(admin_page.get_by_text("Nobody matches this search.")).to_be_visible()

    admin_page.get_by_role("searchbox", name="Search people").fill(last)
    admin_page.get_by_role("link", name=f"Searchable {last}").click()
    expect(admin_page.get_by_role("heading", name=f"Searchable {last}")).to_be_visible()


def test_note_is_added_with_htmx_and_empty_note_shows_inline_error(admin_page: Page) -> None:
    create_person(admin_page, "Noted", unique_name())
    admin_page.evaluate(NO_RELOAD)
    form = admin_page.locator("#note-form")
    body = form.get_by_role("textbox", name="Note")

    form.get_by_role("button", name="Add to timeline").click()  # empty
    error = admin_page.locator("#note-form .error")
    expect(error).to_be_visible()
    expect(form.get_by_role("textbox", name="Note")).to_have_attribute("aria-invalid", "true")
    assert admin_page.evaluate("window.__sameDocument === true")

    text = f"Called about the renewal {uuid.uuid4().hex[:6]}"
    form.get_by_role("textbox", name="Note").fill(text)
    form.get_by_role("button", name="Add to timeline").click()
    entry = admin_page.locator("#timeline-list .timeline-entry").first
    expect(entry).to_contain_text(text)
    expect(admin_page.locator("#note-form .error")).to_have_count(0)  # fresh form swapped in
    expect(body).to_have_value("")
    expect(admin_page.locator("#timeline-empty")).to_have_count(0)
    assert admin_page.evaluate("window.__sameDocument === true"), "the page reloaded"

    admin_page.reload()  # it was saved, not only shown
    expect(admin_page.locator("#timeline-list")).to_contain_text(text)


def test_people_list_on_a_phone_scrolls_the_table_not_the_page(admin_page: Page) -> None:
    admin_page.set_viewport_size({"width": 375, "height": 812})
    admin_page.goto("/people")
    assert admin_page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    expect(admin_page.get_by_role("searchbox", name="Search people")).to_be_in_viewport()
    expect(admin_page.get_by_role("link", name="Add person")).to_be_in_viewport()


def test_swapped_fragments_work_before_htmx_settles(admin_page: Page) -> None:
    """A click or a submit right after a swap reaches htmx (app.js binds on afterSwap, not on settle)."""
    create_person(admin_page, "Ulla", unique_name())
    admin_page.evaluate(NO_RELOAD)
    admin_page.evaluate("() => { htmx.config.defaultSettleDelay = 3000; }")  # widen the gap a fast user could hit
    admin_page.locator("#inline-person-stage .inline-value").click()
    admin_page.locator("#inline-lifecycle_stage").select_option("customer")
    admin_page.locator("#inline-person-stage").get_by_role("button", name="Save").click()
    expect(admin_page.locator("#inline-person-stage .badge-customer")).to_have_text("Customer")
    admin_page.locator("#inline-person-source .inline-value").click()
    admin_page.locator("#inline-source").press("Escape")
    expect(admin_page.locator("#inline-person-source .inline-edit-button")).to_be_visible()
    assert admin_page.evaluate("window.__sameDocument") is True  # no full page load on the way
