"""Browser test: the forecast page with its chart, leads, a lead's page and the public form, in Chromium.

Reuses the live server of ``test_e2e_board.py`` (demo company with deals, leads, targets).
Screenshots go to /tmp/shots/sales_forecast_*.png and sales_leads_*.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from test_e2e_board import SHOTS, Live, browser_type_launch_args, live, sign_in  # noqa: F401 - shared fixtures

pytestmark = [pytest.mark.e2e]


def no_sideways_scroll(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def test_forecast_chart_loads_as_an_image_and_filters_update(page: Any, live: Live) -> None:
    SHOTS.mkdir(exist_ok=True)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live)
    page.goto(f"{live.url}/sales/forecast")
    page.wait_for_function("() => { const i = document.querySelector('img.sales-chart'); return i && i.complete && i.naturalWidth > 0; }")
    page.screenshot(path=str(SHOTS / "sales_forecast_desktop.png"), full_page=True)
    mine = page.locator("#fc-owner option").nth(1).inner_text()
    owner = page.locator("#fc-owner option").nth(1).get_attribute("value")
    with page.expect_response(lambda r: "/sales/forecast?" in r.url) as answer:
        page.select_option("#fc-owner", owner)
    assert answer.value.status == 200
    # A function, not an expression: Playwright polls an expression with eval, which the CSP forbids.
    page.wait_for_function(f"() => document.querySelector('img.sales-chart').src.includes('owner={owner}')")
    assert mine in page.locator("#forecast-results").text_content()  # the by-owner table of the new fragment
    assert not [e for e in errors if "Content Security Policy" in e], errors
    page.goto(f"{live.url}/sales/forecast/targets")
    page.screenshot(path=str(SHOTS / "sales_forecast_targets_desktop.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live.url}/sales/forecast")
    page.screenshot(path=str(SHOTS / "sales_forecast_phone.png"), full_page=True)
    assert no_sideways_scroll(page)


def test_leads_list_detail_and_public_form(page: Any, live: Live, browser: Any) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live)
    page.goto(f"{live.url}/sales/leads")
    page.screenshot(path=str(SHOTS / "sales_leads_list_desktop.png"), full_page=True)
    scores = [int(s) for s in page.locator("tbody .sales-score").all_inner_texts()]
    assert scores == sorted(scores, reverse=True) and len(scores) > 5
    page.locator("tbody a").first.click()
    page.wait_for_url(lambda u: "/sales/leads/" in u)
    page.screenshot(path=str(SHOTS / "sales_leads_detail_desktop.png"), full_page=True)
    page.goto(f"{live.url}/sales/leads/web-form")
    page.screenshot(path=str(SHOTS / "sales_leads_webform_desktop.png"), full_page=True)
    page.goto(f"{live.url}/sales/leads/scoring")
    page.screenshot(path=str(SHOTS / "sales_leads_scoring_desktop.png"), full_page=True)
    visitor = browser.new_page(viewport={"width": 375, "height": 812})
    visitor.goto(f"{live.url}/f/acme/lead")
    visitor.screenshot(path=str(SHOTS / "sales_leads_public_phone.png"), full_page=True)
    visitor.get_by_label("Name").fill("Browser Visitor")
    visitor.get_by_label("Email").fill("visitor@firm.example")
    visitor.get_by_label("Message").fill("Please call me about a demo.")
    visitor.get_by_role("button", name="Send").click()
    visitor.wait_for_selector("text=Thank you")
    visitor.screenshot(path=str(SHOTS / "sales_leads_thanks_phone.png"))
    assert no_sideways_scroll(visitor)
    visitor.close()
    page.goto(f"{live.url}/sales/leads?sort=created")
    assert "Browser Visitor" in page.locator("tbody tr").first.inner_text()
    page.set_viewport_size({"width": 375, "height": 812})
    page.screenshot(path=str(SHOTS / "sales_leads_list_phone.png"), full_page=True)
    assert no_sideways_scroll(page)
