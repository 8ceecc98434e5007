"""Browser test: tasks on a deal, My tasks, the calendar on desktop and phone, the rule form (``pytest -m e2e``).

Reuses the live server of test_e2e_board.py. Screenshots go to /tmp/shots/sales_tasks_*.png.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from test_e2e_board import SHOTS, Live, browser_type_launch_args, live, sign_in  # noqa: F401 - shared fixtures

pytestmark = [pytest.mark.e2e]


def test_tasks_calendar_and_rules_in_chromium(page: Any, live: Live) -> None:
    from crm_platform.contacts.models import Activity
    from crm_sales.models import Deal

    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 860})
    sign_in(page, live)
    deal_id = live.query(lambda db: db.session.scalars(select(Deal.id).where(Deal.state == "open").order_by(Deal.id)).first())
    now = datetime.now(UTC)

    def meetings(db: Any) -> None:
        for days, hour, title in ((0, 10, "Kick-off with Initech"), (1, 14, "Quarterly review"), (3, 9, "Site visit")):
            start = now.replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=days)
            db.session.add(Activity(kind="meeting", body=title, scheduled_at=start, duration_minutes=60))
        db.session.commit()

    live.query(meetings)
    page.goto(f"{live.url}/sales/deals/{deal_id}")
    page.wait_for_selector("#tasks form.sales-task-form")
    page.get_by_label("Task", exact=True).fill("Send the revised proposal")
    page.get_by_label("Due date", exact=True).fill(now.date().isoformat())
    page.get_by_label("Due time", exact=True).fill("23:59")
    page.get_by_role("button", name="Add task").click()
    page.wait_for_selector("#tasks .sales-task-title:has-text('Send the revised proposal')")
    page.locator("#tasks").screenshot(path=str(SHOTS / "sales_tasks_deal_card.png"))
    page.get_by_role("button", name="Mark done: Send the revised proposal").click()
    page.wait_for_selector("#tasks .sales-task.is-done")
    page.get_by_role("button", name="Mark not done: Send the revised proposal").click()
    page.wait_for_selector("#tasks .sales-task:not(.is-done)")

    page.goto(f"{live.url}/sales/tasks")
    assert page.locator(".sales-task-title", has_text="Send the revised proposal").count() == 1
    page.screenshot(path=str(SHOTS / "sales_tasks_my_tasks.png"), full_page=True)

    page.goto(f"{live.url}/sales/calendar")
    assert page.locator("td.is-today").count() == 1
    assert page.locator(".sales-cal-item", has_text="Send the revised proposal").count() == 1
    page.screenshot(path=str(SHOTS / "sales_tasks_calendar_month.png"), full_page=True)
    page.get_by_role("link", name="Week", exact=True).click()
    page.wait_for_selector(".sales-cal-week")
    page.screenshot(path=str(SHOTS / "sales_tasks_calendar_week.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    days = page.locator(".sales-cal-weekday")
    assert days.nth(1).bounding_box()["y"] > days.nth(0).bounding_box()["y"]  # a list of days, one under the other
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(SHOTS / "sales_tasks_calendar_week_phone.png"), full_page=True)
    page.get_by_role("link", name="Month", exact=True).click()
    page.wait_for_selector(".sales-cal-month")
    page.screenshot(path=str(SHOTS / "sales_tasks_calendar_month_phone.png"), full_page=True)

    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(f"{live.url}/sales/automation/new")
    assert page.locator(".sales-action[data-action=create_task]").is_visible()
    assert not page.locator(".sales-action[data-action=webhook]").is_visible()
    page.get_by_label("Then").select_option("webhook")
    assert page.locator(".sales-action[data-action=webhook]").is_visible()
    page.get_by_label("Then").select_option("create_task")
    page.get_by_label("Name").fill("Proposal follow-up")
    page.get_by_label("When").select_option("stage_entered")
    page.get_by_label("Stage", exact=True).select_option(label="Proposal")
    page.get_by_label("Task title").fill("Follow up on {deal}")
    page.screenshot(path=str(SHOTS / "sales_tasks_rule_form.png"), full_page=True)
    page.get_by_role("button", name="Save rule").click()
    page.wait_for_selector("text=Run log")
    page.screenshot(path=str(SHOTS / "sales_tasks_rule_page.png"), full_page=True)

    page.goto(f"{live.url}/sales/calendar/feed")
    page.get_by_role("button", name="Create my feed URL").click()
    url = page.locator("#feed-url").input_value()
    assert url.startswith(live.url + "/sales/calendar/") and url.endswith(".ics")
    page.screenshot(path=str(SHOTS / "sales_tasks_feed.png"), full_page=True)
    response = page.request.get(url)
    assert response.status == 200 and b"BEGIN:VCALENDAR" in response.body()
