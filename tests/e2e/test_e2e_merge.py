"""Duplicates in the browser: the finder suggests a pair, the side-by-side merge keeps chosen values."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def _make_twins(live_server) -> tuple[int, int, str]:
    from crm_platform import tenancy
    from crm_platform.contacts.details import EmailEntry, set_emails, set_tags
    from crm_platform.contacts.models import Person
    from crm_platform.contacts.services import create_person
    from crm_platform.extensions import db

    last = "Twin" + uuid.uuid4().hex[:6]

    def create() -> tuple[int, int]:
        with tenancy.company_scope(live_server.ids["acme"]):
            first = Person(first_name="Grace", last_name=last, source="Website")
            set_emails(first, [EmailEntry(f"{last.lower()}@navy.example")])
            create_person(first)
            second = Person(first_name="Gracie", last_name=last, source="Trade fair")
            set_emails(second, [EmailEntry(f"{last.upper()}@navy.example"), EmailEntry(f"{last.lower()}@home.example")])
            create_person(second)
            set_tags(second, ["conference"])
            db.session.commit()
            return first.id, second.id

    a, b = live_server.run(create)
    return a, b, last


def test_find_and_merge_duplicates(admin_page: Page, live_server) -> None:
    first_id, second_id, last = _make_twins(live_server)
    admin_page.goto("/people")
    admin_page.get_by_role("link", name="Find duplicates").click()
    row = admin_page.locator("tr", has_text=f"Grace {last}")
    expect(row).to_contain_text("same email")
    row.get_by_role("link", name="Compare").click()
    expect(admin_page.get_by_role("heading", name="Merge two people")).to_be_visible()

    admin_page.locator("input[name=pick_source][value=right]").check()
    admin_page.get_by_role("button", name="Merge").click()
    expect(admin_page).to_have_url(re.compile(rf"/people/{first_id}$"))
    expect(admin_page.locator("#toasts .toast-success")).to_contain_text("was merged")
    expect(admin_page.get_by_text(f"{last.lower()}@home.example").first).to_be_visible()
    expect(admin_page.get_by_text("Trade fair").first).to_be_visible()
    expect(admin_page.get_by_text(f"Merged Gracie {last} into this person.")).to_be_visible()
    assert admin_page.goto(f"/people/{second_id}").status == 404
