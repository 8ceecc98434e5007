"""Every bundled theme on the main pages, desktop and phone: screenshots, no sideways scroll, AA contrast.

Screenshots go to test-results/themes/<theme>-<page>-<viewport>.png for a human look.
Also: Settings → Branding's live preview follows unsaved input, and Save applies without restart.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

LiveServer = Any  # tests/e2e/conftest.py's LiveServer
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}

CONTRAST_JS = (Path(__file__).parent / "contrast.js").read_text()
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "themes"
THEMES = ("default", "dark", "compact")


def _set_theme(server: LiveServer, name: str | None) -> None:
    """Give Acme the theme ``name`` (None: no branding row) and make it the sign-in pages' theme."""
    from sqlalchemy import delete

    from crm_platform import tenancy
    from crm_platform.extensions import db
    from crm_platform.themes.models import Branding

    def apply() -> None:
        with tenancy.unscoped():
            db.session.execute(delete(Branding).where(Branding.company_id == server.ids["acme"]))
            if name is not None:
                db.session.add(Branding(company_id=server.ids["acme"], theme=name, version=1))
            db.session.commit()

    server.run(apply)
    server.app.config["CRM_DEFAULT_THEME"] = name or "default"


@pytest.fixture()
def themed(live_server: LiveServer) -> Iterator[LiveServer]:
    try:
        yield live_server
    finally:
        _set_theme(live_server, None)


def _person_path(server: LiveServer) -> str:
    from sqlalchemy import select

    from crm_platform import tenancy
    from crm_platform.contacts.models import Person
    from crm_platform.extensions import db

    def first() -> int:
        with tenancy.company_scope(server.ids["acme"]):
            return db.session.scalar(select(Person.id).order_by(Person.id))

    return f"/people/{server.run(first)}"


@pytest.mark.parametrize("theme", THEMES)
def test_theme_screenshots_fit_and_read(themed: LiveServer, admin_page: Page, page: Page, theme: str) -> None:
    _set_theme(themed, theme)
    SHOTS.mkdir(parents=True, exist_ok=True)
    pages = {"dashboard": "/", "people": "/people", "person": _person_path(themed)}
    problems: list[str] = []
    for viewport_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.goto("/login")
        expect(page.locator("html")).to_have_attribute("data-theme", theme)
        page.screenshot(path=str(SHOTS / f"{theme}-login-{viewport_name}.png"), full_page=True)
        problems += [f"login/{viewport_name}: {f}" for f in page.evaluate(CONTRAST_JS)]
        if page.evaluate(OVERFLOW) > 0:
            problems.append(f"login/{viewport_name}: scrolls sideways")
        admin_page.set_viewport_size(viewport)
        for label, path in pages.items():
            admin_page.goto(path)
            expect(admin_page.locator("html")).to_have_attribute("data-theme", theme)
            admin_page.wait_for_load_state("networkidle")
            admin_page.screenshot(path=str(SHOTS / f"{theme}-{label}-{viewport_name}.png"), full_page=True)
            problems += [f"{label}/{viewport_name}: {f}" for f in admin_page.evaluate(CONTRAST_JS)]
            if admin_page.evaluate(OVERFLOW) > 0:
                problems.append(f"{label}/{viewport_name}: scrolls sideways")
    assert not problems, "\n".join(problems)


def test_theme_stylesheet_changes_the_look(themed: LiveServer, admin_page: Page) -> None:
    _set_theme(themed, "dark")
    admin_page.goto("/people")
    assert admin_page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(15, 17, 21)"
    _set_theme(themed, "compact")
    admin_page.goto("/people")
    assert admin_page.evaluate("getComputedStyle(document.body).fontSize") == "13px"
    assert admin_page.locator("#sidebar").bounding_box()["width"] == 200


def test_branding_preview_then_save(themed: LiveServer, admin_page: Page, tmp_path: Path) -> None:
    admin_page.goto("/settings/branding")
    preview = admin_page.get_by_test_id("brand-preview")
    admin_page.get_by_label("Display name").fill("Acme Rockets")
    expect(preview).to_contain_text("Acme Rockets")
    admin_page.get_by_label("Accent colour").fill("#0f766e")
    expect(admin_page.locator(".pv-button")).to_have_css("background-color", "rgb(15, 118, 110)")
    admin_page.get_by_label("Dark").check()
    expect(preview.locator(".pv-card")).to_have_css("background-color", "rgb(23, 26, 33)")
    expect(admin_page.locator("#brand-preview-slot .error")).to_contain_text("too dark")
    expect(admin_page.locator(".brand-name")).not_to_contain_text("Acme Rockets")  # nothing saved yet
    admin_page.get_by_label("Accent colour").fill("#2dd4bf")
    expect(admin_page.locator("#brand-preview-slot .error")).to_have_count(0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin_page.screenshot(path=str(SHOTS / "branding-preview-desktop.png"), full_page=True)
    from PIL import Image, ImageDraw

    logo = tmp_path / "logo.png"
    image = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((16, 16, 240, 240), fill=(45, 212, 191, 255))
    image.save(logo)
    admin_page.get_by_label("Upload a logo").set_input_files(str(logo))
    admin_page.get_by_role("button", name="Save").click()
    expect(admin_page.locator(".toast-success")).to_contain_text("Branding saved")
    expect(admin_page.locator("img.brand-logo")).to_be_visible()
    assert admin_page.locator("img.brand-logo").evaluate("img => img.naturalWidth") == 256
    expect(admin_page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(admin_page.locator(".brand-name")).to_have_text("Acme Rockets")
    expect(admin_page.locator(".btn-primary").first).to_have_css("background-color", "rgb(45, 212, 191)")
    assert not admin_page.evaluate(CONTRAST_JS)
    admin_page.screenshot(path=str(SHOTS / "branding-saved-dark-desktop.png"), full_page=True)
