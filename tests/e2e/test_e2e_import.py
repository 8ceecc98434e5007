"""Importing people in the browser: upload, map a column, dry run with a refused row, import, summary.

Huey is switched to queue mode for this test so the progress bar really polls: the test
plays the worker (``crm worker``) by executing the queued job, and the page notices.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "test-results"  # git-ignored


def work_off_queue(live_server) -> None:
    """Run the queued jobs, as the worker process would."""
    from crm_platform.jobs import huey

    def work() -> None:
        while (task := huey.dequeue()) is not None:
            huey.execute(task)

    live_server.run(work)


def test_import_people_from_a_csv(admin_page: Page, live_server) -> None:
    from crm_platform.jobs import huey

    tag = uuid.uuid4().hex[:8]
    content = (
        "Full name,E-mail,Mobile,Employer,Town\n"
        f"Imogen Importer,imogen.{tag}@example.com,+44 20 7946 0958,Imports Ltd {tag},Leeds\n"
        f"Ivan Importer,ivan.{tag}@example.com,,Imports Ltd {tag},York\n"
        f"Broken Row,not-an-email-{tag},,,Hull\n"
    )
    page = admin_page
    huey.immediate = False
    try:
        page.goto("/people")
        page.get_by_role("link", name="Import people").click()
        expect(page.get_by_role("heading", name="Upload a file")).to_be_visible()
        page.get_by_label("File").set_input_files({"name": f"people-{tag}.csv", "mimeType": "text/csv",
                                                   "buffer": content.encode()})
        page.get_by_role("button", name="Upload and map columns").click()
        expect(page).to_have_url(re.compile(r"/people/imports/\d+$"))
        expect(page.get_by_role("heading", name="Which column goes where?")).to_be_visible()
        expect(page.get_by_label("E-mail")).to_have_value("email")
        expect(page.get_by_label("Town")).to_have_value("city")
        page.get_by_label("Town").select_option("")  # ignore the town: the preview follows (htmx)
        expect(page.locator("#import-preview")).not_to_contain_text("city: Leeds")
        page.get_by_label("Town").select_option("city")
        expect(page.locator("#import-preview")).to_contain_text("city: Leeds")
        expect(page.locator("#import-preview")).to_contain_text("not a valid email address")
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "import-mapping.png"), full_page=True)

        page.get_by_role("button", name="Check the rows (dry run)").click()
        expect(page.get_by_text("Waiting for the background worker")).to_be_visible()
        work_off_queue(live_server)
        expect(page.get_by_role("heading", name="Dry run: nothing was imported yet")).to_be_visible(timeout=10_000)
        refused = page.locator("table.import-refusals")
        expect(refused).to_contain_text("E-mail")
        expect(refused).to_contain_text("not a valid email address")
        page.screenshot(path=str(SHOTS / "import-dry-run.png"), full_page=True)

        page.get_by_label("Skip the row").check()
        page.get_by_role("button", name="Import 2 rows").click()
        expect(page.get_by_role("heading", name="Importing people")).to_be_visible()
        expect(page.locator("progress.import-bar")).to_be_visible()
        work_off_queue(live_server)
        expect(page.get_by_role("heading", name="Import finished")).to_be_visible(timeout=10_000)
        counts = page.locator(".import-counts")
        expect(counts).to_contain_text("2created")
        expect(counts).to_contain_text("1refused")
        expect(page.get_by_role("link", name="Download the refused rows (CSV)")).to_be_visible()
        page.screenshot(path=str(SHOTS / "import-summary.png"), full_page=True)
    finally:
        huey.immediate = True

    page.goto(f"/people?q={tag}")
    expect(page.locator("#people-results")).to_contain_text("Imogen Importer")
    expect(page.locator("#people-results")).to_contain_text("Ivan Importer")
