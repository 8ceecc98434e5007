"""Browser test: drag a deal across stages on the board in real Chromium (``pytest -m e2e``).

A minimal live server (the approach of tests/e2e/conftest.py): a fresh SQLite database
migrated with every branch, a company with demo data, served by werkzeug in a thread.
Screenshots of the board go to /tmp/shots/sales_*.png.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crm_platform.testing import TEST_PASSWORD, make_user

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not os.access("/usr/bin/chromium", os.X_OK), reason="Chromium not found at /usr/bin/chromium"),
]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SHOTS = Path("/tmp/shots")
EMAIL = "sam@acme.test"


class Live:
    """The running app: its URL and a way to look at its data."""

    def __init__(self, url: str, app: Any, company_id: int) -> None:
        self.url, self.app, self.company_id = url, app, company_id

    def query(self, func: Any) -> Any:
        from crm_platform import tenancy
        from crm_platform.extensions import db

        with self.app.app_context(), tenancy.company_scope(self.company_id):
            try:
                return func(db)
            finally:
                db.session.remove()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """Serve a migrated SQLite database with a demo company (deals included) and its admin."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from crm_platform.app import create_app
    from crm_platform.companies.service import create_company
    from crm_platform.demo import load_demo_data
    from crm_platform.extensions import db
    from crm_platform.jobs import bind_app, huey

    instance = tmp_path_factory.mktemp("sales-e2e")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    previous = os.environ.get("CRM_INSTANCE_PATH")
    os.environ["CRM_INSTANCE_PATH"] = str(instance)
    try:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'crm.db'}", "SECRET_KEY": "e2e-sales",
            "CRM_BASE_URL": url, "SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False,
            "MAIL_HOST": "127.0.0.1", "MAIL_PORT": 1,
        })
    finally:
        if previous is None:
            os.environ.pop("CRM_INSTANCE_PATH", None)
        else:
            os.environ["CRM_INSTANCE_PATH"] = previous
    huey.immediate = True
    bind_app(app)
    with app.app_context():
        upgrade(revision="heads")
        acme = create_company("Acme", slug="acme")
        make_user(acme, EMAIL, "admin", name="Sam Seller")
        db.session.commit()
        load_demo_data(acme)
        company_id = acme.id
        db.session.remove()
    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(url, app, company_id)
    finally:
        httpd.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium, headless (never a Playwright download)."""
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "headless": True, "args": CHROMIUM_ARGS}


def sign_in(page: Any, live: Live) -> None:
    page.goto(f"{live.url}/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda u: "/login" not in u)


def totals(page: Any, stage_id: str) -> tuple[str, str, str]:
    column = page.locator(f"#sales-column-{stage_id}")
    return (column.locator(".sales-count").inner_text(), column.locator(".sales-total").inner_text(),
            column.locator(".sales-weighted").inner_text())


def drag(page: Any, source: Any, target: Any) -> None:
    """Drag with real mouse events, in small steps (SortableJS needs to see the movement)."""
    box = source.bounding_box()
    goal = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 12)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 10, box["y"] + 20, steps=5)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 30, steps=25)
    page.wait_for_timeout(200)
    page.mouse.up()


def test_drag_a_deal_to_another_stage_updates_the_totals(page: Any, live: Live) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live)
    page.goto(f"{live.url}/sales/")
    columns = page.locator(".sales-cards")
    first_stage, last_stage = columns.first.get_attribute("data-stage-id"), columns.last.get_attribute("data-stage-id")
    page.wait_for_function("() => document.querySelector('.sales-board.is-draggable') !== null")
    page.screenshot(path=str(SHOTS / "sales_board_desktop.png"))
    before_source, before_target = totals(page, first_stage), totals(page, last_stage)
    card = page.locator(f"#sales-column-{first_stage} .sales-card").first
    deal_id = int(card.get_attribute("data-deal-id"))
    title = card.locator(".sales-card-title").inner_text()
    with page.expect_response(re.compile(rf"/sales/deals/{deal_id}/move$")) as answer:
        drag(page, card, page.locator(f"#sales-column-{last_stage} .sales-cards"))
    assert answer.value.status == 200
    page.wait_for_selector(f"#sales-column-{last_stage} [data-deal-id='{deal_id}']")
    assert page.locator("#sales-move-status").inner_text() == f"{title} is in {page.locator(f'#sales-column-title-{last_stage} .sales-column-name').inner_text()}."
    page.reload()
    after_source, after_target = totals(page, first_stage), totals(page, last_stage)
    assert int(after_source[0]) == int(before_source[0]) - 1 and int(after_target[0]) == int(before_target[0]) + 1
    assert after_source[1] != before_source[1] and after_target[1] != before_target[1]
    assert after_target[2] != before_target[2]
    assert page.locator(f"#sales-column-{last_stage} [data-deal-id='{deal_id}']").count() == 1

    from crm_sales.models import Deal

    stage_id = live.query(lambda db: db.session.get(Deal, deal_id).stage_id)
    assert stage_id == int(last_stage)
    page.goto(f"{live.url}/sales/deals/{deal_id}")
    assert "moved from" in page.locator(".sales-timeline").inner_text()
    page.screenshot(path=str(SHOTS / "sales_deal_desktop.png"), full_page=True)


def test_keyboard_move_form_and_phone_layout(page: Any, live: Live) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, live)
    page.goto(f"{live.url}/sales/")
    page.wait_for_function("() => document.querySelector('.sales-board.is-draggable') !== null")
    page.screenshot(path=str(SHOTS / "sales_board_phone.png"))
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the page itself must not scroll sideways"
    scroller = page.evaluate("(() => { const s = document.querySelector('.sales-board-scroll'); return [s.scrollWidth, s.clientWidth]; })()")
    assert scroller[0] > scroller[1], "the board scrolls inside its container"
    card = page.locator(".sales-card").first
    deal_id = card.get_attribute("data-deal-id")
    select = card.locator("select[name=stage_id]")
    options = select.locator("option")
    target = options.nth(options.count() - 1).get_attribute("value")
    select.focus()
    select.select_option(target)
    card.get_by_role("button", name="Move").click()
    page.wait_for_load_state("load")
    assert page.locator(f"#sales-column-{target} [data-deal-id='{deal_id}']").count() == 1
    page.goto(f"{live.url}/sales/deals/{deal_id}")
    page.screenshot(path=str(SHOTS / "sales_deal_phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.goto(f"{live.url}/sales/pipelines")
    page.screenshot(path=str(SHOTS / "sales_pipelines_phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(SHOTS / "sales_pipelines_desktop.png"), full_page=True)
    page.goto(f"{live.url}/sales/deals")
    page.screenshot(path=str(SHOTS / "sales_list_desktop.png"))
    page.goto(f"{live.url}/sales/deals/new")
    page.screenshot(path=str(SHOTS / "sales_form_desktop.png"), full_page=True)
    from crm_sales.models import Deal

    organization = live.query(lambda db: db.session.get(Deal, int(deal_id)).organization_id)
    page.goto(f"{live.url}/organizations/{organization}")
    page.wait_for_selector(".sales-panel, #panel-sales-deals")
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / "sales_organization_desktop.png"))
    page.goto(f"{live.url}/")
    page.screenshot(path=str(SHOTS / "sales_dashboard_desktop.png"))
