"""Filters of the company-wide activity feed: kind, author, open tasks, date range (keyset pages)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm_platform.contacts.models import Activity
from crm_platform.contacts.pagination import Page, keyset_page
from crm_platform.contacts.services import FEED_SIZE
from crm_platform.timeline.attachment_loading import WITH_ATTACHMENT_COUNT, load_attachments
from crm_platform.numbers import is_digits

FILTER_NAMES: tuple[str, ...] = ("kind", "author", "open", "from", "to")


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def parse_filters(args: Mapping[str, str], kinds: Mapping[str, str], members: Mapping[int, str]) -> tuple[dict[str, str], list[str]]:
    """The feed's filters from the query string, and the messages for the ones that are wrong."""
    raw = {name: (args.get(name) or "").strip() for name in FILTER_NAMES}
    errors: list[str] = []
    if raw["kind"] and raw["kind"] not in kinds:
        errors.append("Choose a kind of entry from the list.")
    if raw["author"] and (not is_digits(raw["author"]) or int(raw["author"]) not in members):
        errors.append("Choose a colleague from the list.")
    if raw["open"] not in ("", "1"):
        errors.append("Open tasks is on or off.")
    days = {}
    for name in ("from", "to"):
        try:
            days[name] = _day(raw[name])
        except ValueError:
            errors.append(f"The {'first' if name == 'from' else 'last'} day is not a date (YYYY-MM-DD).")
    if not errors and days["from"] and days["to"] and days["from"] > days["to"]:
        errors.append("The first day comes after the last day.")
    return {name: value for name, value in raw.items() if value}, errors


def feed_page(filters: Mapping[str, str], before: str | None = None, limit: int = FEED_SIZE) -> Page[Activity]:
    """The company's activities matching ``filters`` (as returned by :func:`parse_filters`), newest first.

    Each filter is served by an index: ``(company_id, kind, created_at, id)``,
    ``(company_id, author_id, created_at, id)`` and ``(company_id, created_at, id)``.
    """
    stmt = select(Activity).options(
        selectinload(Activity.person), selectinload(Activity.organization), selectinload(Activity.author),
        selectinload(Activity.assignee), WITH_ATTACHMENT_COUNT,
    )
    if filters.get("open"):
        stmt = stmt.where(Activity.kind == "task", Activity.done_at.is_(None))
    elif filters.get("kind"):
        stmt = stmt.where(Activity.kind == filters["kind"])
    if filters.get("author"):
        stmt = stmt.where(Activity.author_id == int(filters["author"]))
    if filters.get("from"):
        stmt = stmt.where(Activity.created_at >= datetime.combine(date.fromisoformat(filters["from"]), time(), UTC))
    if filters.get("to"):
        end = datetime.combine(date.fromisoformat(filters["to"]) + timedelta(days=1), time(), UTC)
        stmt = stmt.where(Activity.created_at < end)
    page = keyset_page(stmt, (Activity.created_at, Activity.id), before, limit, descending=True)
    load_attachments(page.items)
    return page

