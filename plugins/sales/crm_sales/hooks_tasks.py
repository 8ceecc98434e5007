"""Hook pieces of tasks, calendar and automation: menu entries, the time zone setting and the jobs."""

from __future__ import annotations

from huey import crontab

from crm_platform.plugins import Job, NavItem, SettingField


def task_nav_items() -> list[NavItem]:
    """My tasks and the calendar in the main menu; automation rules under settings."""
    return [
        NavItem("My tasks", "sales.my_tasks", icon="check", permission="sales.view", order=32),
        NavItem("Calendar", "sales.calendar", icon="calendar", permission="sales.view", order=34),
        NavItem("Automation", "sales.automation_rules", icon="activity", permission="sales.view", order=62, section="settings"),
    ]


def task_settings() -> list[SettingField]:
    """The company's time zone: what "today" means for tasks, the calendar and reminders."""
    from crm_sales.tasks import timezone_choices

    return [
        SettingField(
            "timezone", "Time zone", type="choice", default="UTC", required=True, choices=timezone_choices(),
            help="Due times, the calendar and the My tasks page use this time zone.",
        )
    ]


def task_jobs() -> list[Job]:
    """Task reminders (every 5 minutes), automation rules (every minute), stale deals (every 15 minutes)."""
    from crm_sales.automation.engine import run_pending
    from crm_sales.automation.stale import scan_stale
    from crm_sales.reminders import send_reminders

    return [
        Job("sales.task_reminders", send_reminders, schedule=crontab(minute="*/5"), retries=0),
        Job("sales.automation_run", run_pending, schedule=crontab(minute="*"), retries=0),
        Job("sales.automation_stale", scan_stale, schedule=crontab(minute="*/15"), retries=0),
        Job("sales.automation_now", run_pending),
    ]


def install_automation() -> None:
    """Capture deal events for automation rules (once per process; see :mod:`crm_sales.automation.events`)."""
    from crm_sales.automation.events import install

    install()


install_automation()
