"""The people list in the browser: search as you type, a filter, bulk tagging, delete and undo."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

NO_RELOAD = "window.__sameDocument = true"  # survives htmx swaps, lost on a full page load


def add_people(live_server, last: str, firsts: list[str]) -> None:
    """Create people called ``<first> <last>`` in Acme directly."""
    from crm_platform import tenancy
    from crm_platform.contacts.models import Person
    from crm_platform.contacts.services import create_person
    from crm_platform.extensions import db

    def create() -> None:
        with tenancy.company_scope(live_server.ids["acme"]):
            for first in firsts:
                create_person(Person(first_name=first, last_name=last, email=f"{first.lower()}.{last.lower()}@example.com"))
            db.session.commit()

    live_server.run(create)


def test_search_filter_bulk_tag_delete_and_undo(admin_page: Page, live_server) -> None:
    last = "Lister" + uuid.uuid4().hex[:6]
    add_people(live_server, last, ["Anna", "Bruno", "Carla"])
    page = admin_page
    page.goto("/people")
    page.wait_for_load_state()
    page.evaluate(NO_RELOAD)

    # Search as you type: a prefix of two words, no reload, URL pushed.
    page.get_by_role("searchbox", name="Search people").press_sequentially(f"ann {last[:8]}", delay=30)
    rows = page.locator("#people-results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"Anna {last}")
    expect(page).to_have_url(re.compile(r"[?&]q="))

    # Back to the three of them, then a stage filter (every one is a lead).
    page.get_by_role("searchbox", name="Search people").fill(last)
    expect(rows).to_have_count(3)
    page.locator("summary", has_text="Filters").click()
    page.get_by_label("Stage", exact=True).select_option("customer")
    expect(page.get_by_text("Nobody matches this search.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"stage=customer"))
    page.get_by_label("Stage", exact=True).select_option("lead")
    expect(rows).to_have_count(3)
    expect(page.locator(".chip", has_text="Stage: Lead")).to_be_visible()

    # Bulk-tag two people: the sticky bar appears with the selection.
    page.get_by_label(f"Select Anna {last}").check()
    page.get_by_label(f"Select Bruno {last}").check()
    bar = page.locator("[data-bulk-bar]")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("2 people selected")
    page.get_by_label("Tag to add").fill("e2e-vip")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator("#toasts")).to_contain_text("Tagged 2 people")
    expect(page.locator("tr", has_text=f"Anna {last}").locator(".tag-badge")).to_have_text("e2e-vip")
    expect(page.locator("tr", has_text=f"Carla {last}").locator(".tag-badge")).to_have_count(0)

    # Delete one, then undo from the toast.
    page.get_by_label(f"Select Carla {last}").check()
    page.get_by_role("button", name="Delete").click()
    expect(rows).to_have_count(2)
    page.locator("[data-undo-toast]").get_by_role("button", name="Undo").click()
    expect(rows).to_have_count(3)
    expect(page.locator("#toasts")).to_contain_text("Restored 1 person")
    assert page.evaluate("window.__sameDocument") is True  # all of it without a page load


def test_people_list_screenshot(admin_page: Page, tmp_path) -> None:
    admin_page.goto("/people")
    admin_page.locator("summary", has_text="Filters").click()
    admin_page.locator("#people-results tbody input[name=ids]").first.check()
    admin_page.screenshot(path=str(tmp_path / "people-list.png"), full_page=False)
    expect(admin_page.locator("[data-bulk-bar]")).to_be_visible()
